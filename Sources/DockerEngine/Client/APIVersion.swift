// APIVersion: Docker Engine API versions ("1.41"), compared numerically.

/// A Docker Engine API version, `major.minor`, ordered numerically (1.9 < 1.24 < 1.41).
public struct APIVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The major number (1).
    public var major: Int
    /// The minor number (41).
    public var minor: Int

    /// Parses "1.41" or "v1.41"; nil when malformed.
    public init?(_ text: String) {
        let t = text.hasPrefix("v") ? text.dropFirst() : Substring(text)
        let parts = t.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]), a >= 0, b >= 0 else { return nil }
        major = a
        minor = b
    }

    /// A version from numbers.
    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// The highest version this client speaks: the newest vendored spec
    /// (`Vendor/docker-api/v1.56.yaml`).
    public static let clientMaximum = APIVersion(major: 1, minor: 56)
    /// The lowest daemon version this client accepts.
    public static let minimum = APIVersion(major: 1, minor: 24)

    /// The version a pin (`DOCKER_API_VERSION`, `docker.connect(api_version:)`) asks for,
    /// checked: a malformed one, one newer than ``clientMaximum`` or older than
    /// ``minimum`` is refused with a message saying what dsh speaks.
    public static func pinned(_ text: String) throws -> APIVersion {
        guard let v = APIVersion(text.trimmingSpaces) else {
            throw DockerError(kind: .configuration, message: "DOCKER_API_VERSION=\(text) is not a version such as 1.41", method: nil, path: nil,
                              hint: "dsh speaks API \(minimum) to \(clientMaximum)")
        }
        if v > clientMaximum {
            throw DockerError(kind: .configuration, message: "DOCKER_API_VERSION=\(text) is newer than the newest API dsh knows (\(clientMaximum))",
                              method: nil, path: nil, hint: "pin \(clientMaximum) or lower, or unset it to negotiate")
        }
        if v < minimum {
            throw DockerError(kind: .configuration, message: "DOCKER_API_VERSION=\(text) is older than the oldest API dsh speaks (\(minimum))",
                              method: nil, path: nil, hint: "pin \(minimum) or higher, or unset it to negotiate")
        }
        return v
    }

    /// Numeric order.
    public static func < (a: APIVersion, b: APIVersion) -> Bool { (a.major, a.minor) < (b.major, b.minor) }

    /// "1.41".
    public var description: String { "\(major).\(minor)" }
}

