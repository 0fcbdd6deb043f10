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

    /// The highest version this client speaks.
    public static let clientMaximum = APIVersion(major: 1, minor: 47)
    /// The lowest daemon version this client accepts.
    public static let minimum = APIVersion(major: 1, minor: 24)

    /// Numeric order.
    public static func < (a: APIVersion, b: APIVersion) -> Bool { (a.major, a.minor) < (b.major, b.minor) }

    /// "1.41".
    public var description: String { "\(major).\(minor)" }
}
