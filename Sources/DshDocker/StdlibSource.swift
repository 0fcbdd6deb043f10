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
# whatever happens. `stdin:` (a string, bytes, a list of lines or a stream) is
# written to the process, then closed.
fn run(image, cmd = nil, network = "none", env = nil, workdir = nil, user = nil,
       entrypoint = nil, labels = nil, stdin = nil, name = nil) {
    let c = docker.containers.create(image, cmd: cmd, network: network, env: env,
        workdir: workdir, user: user, entrypoint: entrypoint, labels: labels,
        stdin: stdin != nil, name: name, HostConfig: {LogConfig: {Type: "local"}})
    defer { c.remove(force: true) }
    c.start()
    if stdin != nil {
        c.attach(stdin: stdin, stream: false, stdout: false, stderr: false)
    }
    let status = c.wait()
    let out = c.output()
    return {exit_code: status.StatusCode, stdout: out.stdout, stderr: out.stderr}
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
