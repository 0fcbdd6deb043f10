// JSON.swift: the public face of dsh's JSON support: decoding straight into `Value`
// (JSONParser.swift) and encoding from it (JSONWriter.swift).

/// JSON encoding and decoding of dsh values.
///
/// Decoding keeps integers that fit in 64 bits as `int` (others become `float`),
/// objects as insertion-ordered maps (a repeated key keeps its first position and its
/// last value), and rejects malformed input with `invalid JSON at offset N: ...`.
/// Encoding writes maps in insertion order, floats in the shortest form that reads back
/// (`5.0`, `2.5`, `1e+20`), bytes as a base64 string, host objects through their
/// `plainValue`, and error values as `{"message": ..., fields...}`; functions, streams,
/// NaN and infinities are an error.
public enum JSON {
    /// How deeply arrays and objects may nest, decoding and encoding.
    public static let maxDepth = 512
    /// The longest text `encode` writes: 256 MiB.
    public static let maxEncodedBytes = 256 << 20

    /// Decodes one JSON document (UTF-8 bytes) into a value.
    public static func decode(_ bytes: some Collection<UInt8>) throws -> Value {
        if let result = try bytes.withContiguousStorageIfAvailable({ try decode(buffer: $0) }) {
            return result
        }
        let array = Array(bytes)
        return try array.withUnsafeBufferPointer { try decode(buffer: $0) }
    }

    /// Decodes one JSON document from text.
    public static func decode(_ text: String) throws -> Value {
        var text = text
        return try text.withUTF8 { try decode(buffer: $0) }
    }

    /// Decodes one JSON document from a buffer.
    public static func decode(buffer: UnsafeBufferPointer<UInt8>) throws -> Value {
        var parser = JSONParser(buffer)
        return try parser.parseDocument()
    }

    /// Encodes a value as JSON: compact (`[1,"two",true,null]`) or, with `pretty`,
    /// indented by two spaces with `": "` after keys.
    public static func encode(_ value: Value, pretty: Bool = false) throws -> String {
        var writer = JSONWriter(pretty: pretty)
        try writer.write(value, depth: 0)
        return writer.finish()
    }
}
