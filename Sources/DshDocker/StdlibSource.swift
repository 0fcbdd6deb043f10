// StdlibSource.swift: the text of stdlib/containers.dsh, embedded so that the bindings
// work inside any host tool without the stdlib folder. A test keeps it equal to the file.

/// Embedded dsh sources of the bindings' standard library.
public enum StdlibSource {
    /// `stdlib/containers.dsh`: `run` and `wait_healthy`.
    public static let containers = #"""
# containers.dsh: run a command in a fresh container and collect its output, and wait
# for a container's health check. The Docker bindings load this file at start-up, so
# `run` and `wait_healthy` are globals; `import "containers"` works too.

# Runs `cmd` (a list, or a string for `sh -c`) in a new container of `image` and
# returns {exit_code, stdout, stderr} with the output exactly as written (a string
# when it is valid UTF-8, else bytes; the container logs with the `local` driver,
# which keeps bytes, where the default json-file driver stores text). The
# container has no network unless `network:` says otherwise, and is removed
# whatever happens (`rm: false` keeps it). `stdin:` (a string, bytes, a list of
# lines or a stream) is written to the process, then closed.
# Like `docker run`, a missing image is pulled first (`pull: "missing"`; "always",
# "never"), with its progress on standard error. `detach: true` starts the container
# and returns it (`rm: true` then removes it when it stops); `tty: true,
# interactive: true` runs it on this terminal (`docker run -it`) and returns
# {exit_code, detached}. `ports`, `volumes` (a list of "host:container[:ro]" or a
# map), `mounts`, `restart` ("on-failure:3"), `name`, `user`, `workdir`, `env` are
# those of `docker.containers.create`.
fn run(image, cmd = nil, network = "none", env = nil, workdir = nil, user = nil,
       entrypoint = nil, labels = nil, stdin = nil, name = nil, detach = false,
       ports = nil, volumes = nil, mounts = nil, restart = nil, rm = nil, tty = false,
       interactive = false, pull = "missing", detach_keys = nil) {
    _pull_for_run(image, pull)
    let c = docker.containers.create(image, cmd: cmd, network: network, env: env,
        workdir: workdir, user: user, entrypoint: entrypoint, labels: labels,
        stdin: stdin != nil || interactive, name: name, tty: tty, ports: ports,
        volumes: _binds_for_run(volumes), mounts: mounts, rm: detach && rm == true,
        HostConfig: {LogConfig: {Type: "local"}} + (_restart_for_run(restart) ?? {}))
    if detach {
        return c.start()
    }
    defer { if rm != false { c.remove(force: true) } }
    if interactive {
        return c.attach(interactive: true, start: true, detach_keys: detach_keys)
    }
    c.start()
    if stdin != nil {
        c.attach(stdin: stdin, stream: false, stdout: false, stderr: false)
    }
    let status = c.wait()
    let out = c.output()
    return {exit_code: status.StatusCode, stdout: out.stdout, stderr: out.stderr}
}

# `pull:` of run: "missing" pulls when the image is not here, "always" always,
# "never" never; progress goes to standard error.
fn _pull_for_run(image, pull) {
    if pull == "never" || pull == false {
        return nil
    }
    if pull == "missing" || pull == nil {
        try {
            docker.images.get(image)
            return nil
        } catch e {
            if e.status != 404 {
                throw e
            }
        }
    } else if pull != "always" && pull != true {
        throw error("run: pull must be \"missing\", \"always\" or \"never\", not ${json(pull)}")
    }
    progress(docker.images.pull(image), to: "stderr")
}

# `volumes:` of run: a map {"/host": "/container:ro"} as the API's list of binds.
fn _binds_for_run(volumes) {
    if type(volumes) == "map" {
        return keys(volumes) | map(k => k + ":" + volumes[k])
    }
    return volumes
}

# `restart:` of run: "always", "unless-stopped", "on-failure[:max-retries]", "no".
fn _restart_for_run(restart) {
    if restart == nil {
        return nil
    }
    let parts = split(restart, ":")
    if len(parts) == 2 {
        return {RestartPolicy: {Name: parts[0], MaximumRetryCount: int(parts[1])}}
    }
    return {RestartPolicy: {Name: restart}}
}

# Waits until the container's health check says "healthy" and returns the container.
# Raises an error when it has no health check, stops, turns unhealthy for good, or
# is not healthy after `timeout` seconds.
fn wait_healthy(c, timeout = 30, interval = 0.2) {
    let deadline = now() + timeout
    while true {
        let state = c.inspect().State
        let health = state.Health
        if health == nil {
            throw error("wait_healthy: container ${c.name} has no health check")
        }
        if health.Status == "healthy" {
            return c
        }
        if !state.Running {
            throw error("wait_healthy: container ${c.name} stopped (exit code ${state.ExitCode})")
        }
        if now() > deadline {
            throw error("wait_healthy: container ${c.name} is not healthy after ${timeout} s (status: ${health.Status})")
        }
        sleep(interval)
    }
}
"""#
}
