// DockerEngine: placeholder until the client lands.
