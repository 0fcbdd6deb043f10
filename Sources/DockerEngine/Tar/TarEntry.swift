// TarEntry: one member of a tar archive (metadata; data travels separately).

/// A tar member's metadata.
public struct TarEntry: Sendable, Hashable {
    /// What the member is.
    public enum Kind: Sendable, Hashable {
        /// A regular file.
        case file
        /// A directory.
        case directory
        /// A symbolic link to `target` (stored as is, never followed).
        case symlink(target: String)
        /// A hard link to an earlier member `target`.
        case hardlink(target: String)
        /// Anything else (devices, FIFOs) with the raw type flag.
        case other(typeflag: UInt8)
    }

    /// The member's path, relative, with `/` separators (directories without a trailing slash).
    public var path: String
    /// What it is.
    public var kind: Kind
    /// Permission bits (and setuid/setgid/sticky).
    public var mode: UInt32
    /// The data size for files.
    public var size: Int64
    /// Modification time, seconds since the epoch.
    public var mtime: Int64
    /// Owner ids (0 in build contexts).
    public var uid: Int
    /// Group id.
    public var gid: Int

    /// A new entry.
    public init(path: String, kind: Kind, mode: UInt32 = 0o644, size: Int64 = 0, mtime: Int64 = 0, uid: Int = 0, gid: Int = 0) {
        self.path = path
        self.kind = kind
        self.mode = mode
        self.size = size
        self.mtime = mtime
        self.uid = uid
        self.gid = gid
    }
}
