// DshDocker: placeholder until the bindings land.
