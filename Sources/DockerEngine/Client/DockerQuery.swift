// DockerQuery: query strings as the Engine API expects them (percent-encoding, filters).

/// Builds query strings.
public enum DockerQuery {
    /// `?a=1&b=x%20y`, or "" for no parameters. Keys and values are percent-encoded.
    public static func encode(_ query: [(String, String)]) -> String {
        guard !query.isEmpty else { return "" }
        return "?" + query.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }

    /// Percent-encodes everything but unreserved characters (RFC 3986).
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        let hex = Array("0123456789ABCDEF")
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                out.append("%")
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 15)])
            }
        }
        return out
    }

    /// The `filters` parameter: `{"label":["a=b"]}` as the API wants it (JSON of string lists).
    public static func filters(_ filters: [String: [String]]) -> String {
        JSONValue.object(filters.mapValues { .array($0.map(JSONValue.string)) }).description
    }
}
