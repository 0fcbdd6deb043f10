// TarBinding.swift: the `tar` global: build contexts from a directory (honouring its
// `.dockerignore`) or from a map of in-memory files.
import DockerEngine
import DshCore

enum TarBinding {
    static func tar(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        throw DshError.runtime("tar: needs DockerEngine's tar writer (not merged yet)")
    }

    /// A context from a directory.
    static func directory(_ path: String, dockerfile: String) throws -> BuildContext {
        throw DshError.runtime("tar: directory contexts need DockerEngine's tar writer (not merged yet)")
    }
}
