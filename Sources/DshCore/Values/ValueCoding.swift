// ValueCoding.swift: a Codable bridge between Swift types and dsh values, with no JSON
// in between: `Value(encoding: x)`, `interp.value(from: x)`, `value.decode(T.self)`.
// Structs and dictionaries become maps (keys in encoding order), arrays lists, integers
// ints, floating point floats, optionals nil.
import OrderedCollections

extension Value {
    /// The dsh value of an `Encodable` Swift value.
    public init<T: Encodable>(encoding value: T) throws {
        self = Value(try SendableValue(encoding: value))
    }

    /// Decodes a Swift value from this dsh value (maps as keyed containers, lists as
    /// unkeyed ones); a value of the wrong shape throws `DecodingError`.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try sendable.decode(type)
    }
}

extension Interpreter {
    /// The dsh value of an `Encodable` Swift value (to `define` it or pass it to `call`).
    public func value<T: Encodable>(from value: T) throws -> Value { try Value(encoding: value) }
}

extension SendableValue {
    /// The plain data of an `Encodable` Swift value.
    public init<T: Encodable>(encoding value: T) throws {
        let slot = EncodingSlot()
        try slot.store(value, [])
        self = slot.value
    }

    /// Decodes a Swift value from this data.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try decodeValue(self, type, [])
    }
}

// MARK: - Encoding

/// One value being encoded: a scalar, or a list or map of slots filled later.
private final class EncodingSlot {
    enum Content {
        case empty
        case scalar(SendableValue)
        case list([EncodingSlot])
        case map(OrderedDictionary<String, EncodingSlot>)
    }
    var content = Content.empty

    var value: SendableValue {
        switch content {
        case .empty: return .null
        case .scalar(let v): return v
        case .list(let items): return .list(items.map(\.value))
        case .map(let entries):
            var out = OrderedDictionary<String, SendableValue>()
            for (k, s) in entries { out[k] = s.value }
            return .map(out)
        }
    }

    /// Encodes `value` into this slot (scalars directly, anything else by its `encode(to:)`).
    func store<T: Encodable>(_ value: T, _ path: [any CodingKey]) throws {
        switch value {
        case let v as Bool: content = .scalar(.bool(v))
        case let v as String: content = .scalar(.string(v))
        case let v as Double: content = .scalar(.float(v))
        case let v as Float: content = .scalar(.float(Double(v)))
        case let v as any BinaryInteger: content = .scalar(try integer(v, path))
        default: try value.encode(to: SlotEncoder(slot: self, codingPath: path))
        }
    }
}

/// An integer as a dsh int, or an error when it does not fit.
private func integer(_ value: some BinaryInteger, _ path: [any CodingKey]) throws -> SendableValue {
    guard let i = Int(exactly: value) else {
        throw EncodingError.invalidValue(value, .init(codingPath: path, debugDescription: "\(value) does not fit a dsh int (64-bit signed)"))
    }
    return .int(i)
}

/// A plain coding key (list indexes, map keys).
private struct PlainKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }
}

private struct SlotEncoder: Encoder {
    let slot: EncodingSlot
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .map = slot.content {} else { slot.content = .map([:]) }
        return KeyedEncodingContainer(KeyedSlotEncoder<Key>(slot: slot, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .list = slot.content {} else { slot.content = .list([]) }
        return UnkeyedSlotEncoder(slot: slot, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleSlotEncoder(slot: slot, codingPath: codingPath)
    }
}

private struct KeyedSlotEncoder<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let slot: EncodingSlot
    let codingPath: [any CodingKey]

    private func child(_ key: Key) -> EncodingSlot {
        guard case .map(var entries) = slot.content else { return EncodingSlot() }
        let s = EncodingSlot()
        entries[key.stringValue] = s
        slot.content = .map(entries)
        return s
    }

    mutating func encodeNil(forKey key: Key) throws { child(key).content = .scalar(.null) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { child(key).content = .scalar(.bool(value)) }
    mutating func encode(_ value: String, forKey key: Key) throws { child(key).content = .scalar(.string(value)) }
    mutating func encode(_ value: Double, forKey key: Key) throws { child(key).content = .scalar(.float(Double(value))) }
    mutating func encode(_ value: Float, forKey key: Key) throws { child(key).content = .scalar(.float(Double(value))) }
    mutating func encode(_ value: Int, forKey key: Key) throws { child(key).content = .scalar(try integer(value, codingPath)) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { child(key).content = .scalar(try integer(value, codingPath)) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { child(key).content = .scalar(try integer(value, codingPath)) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { child(key).content = .scalar(try integer(value, codingPath)) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { child(key).content = .scalar(try integer(value, codingPath)) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { child(key).content = .scalar(try integer(value, codingPath)) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { child(key).content = .scalar(try integer(value, codingPath)) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { child(key).content = .scalar(try integer(value, codingPath)) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { child(key).content = .scalar(try integer(value, codingPath)) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { child(key).content = .scalar(try integer(value, codingPath)) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { try child(key).store(value, codingPath + [key]) }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        SlotEncoder(slot: child(key), codingPath: codingPath + [key]).container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        SlotEncoder(slot: child(key), codingPath: codingPath + [key]).unkeyedContainer()
    }
    mutating func superEncoder() -> any Encoder { SlotEncoder(slot: child(Key(stringValue: "super")!), codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { SlotEncoder(slot: child(key), codingPath: codingPath + [key]) }
}

private struct UnkeyedSlotEncoder: UnkeyedEncodingContainer {
    let slot: EncodingSlot
    let codingPath: [any CodingKey]
    var count: Int {
        if case .list(let items) = slot.content { return items.count }
        return 0
    }

    private func next() -> EncodingSlot {
        guard case .list(var items) = slot.content else { return EncodingSlot() }
        let s = EncodingSlot()
        items.append(s)
        slot.content = .list(items)
        return s
    }

    mutating func encodeNil() throws { next().content = .scalar(.null) }
    mutating func encode(_ value: Bool) throws { next().content = .scalar(.bool(value)) }
    mutating func encode(_ value: String) throws { next().content = .scalar(.string(value)) }
    mutating func encode(_ value: Double) throws { next().content = .scalar(.float(Double(value))) }
    mutating func encode(_ value: Float) throws { next().content = .scalar(.float(Double(value))) }
    mutating func encode(_ value: Int) throws { next().content = .scalar(try integer(value, codingPath)) }
    mutating func encode(_ value: Int8) throws { next().content = .scalar(try integer(value, codingPath)) }
    mutating func encode(_ value: Int16) throws { next().content = .scalar(try integer(value, codingPath)) }
    mutating func encode(_ value: Int32) throws { next().content = .scalar(try integer(value, codingPath)) }
    mutating func encode(_ value: Int64) throws { next().content = .scalar(try integer(value, codingPath)) }
    mutating func encode(_ value: UInt) throws { next().content = .scalar(try integer(value, codingPath)) }
    mutating func encode(_ value: UInt8) throws { next().content = .scalar(try integer(value, codingPath)) }
    mutating func encode(_ value: UInt16) throws { next().content = .scalar(try integer(value, codingPath)) }
    mutating func encode(_ value: UInt32) throws { next().content = .scalar(try integer(value, codingPath)) }
    mutating func encode(_ value: UInt64) throws { next().content = .scalar(try integer(value, codingPath)) }
    mutating func encode<T: Encodable>(_ value: T) throws { try next().store(value, codingPath + [PlainKey(intValue: count)]) }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        SlotEncoder(slot: next(), codingPath: codingPath).container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        SlotEncoder(slot: next(), codingPath: codingPath).unkeyedContainer()
    }
    mutating func superEncoder() -> any Encoder { SlotEncoder(slot: next(), codingPath: codingPath) }
}

private struct SingleSlotEncoder: SingleValueEncodingContainer {
    let slot: EncodingSlot
    let codingPath: [any CodingKey]
    mutating func encodeNil() throws { slot.content = .scalar(.null) }
    mutating func encode(_ value: Bool) throws { slot.content = .scalar(.bool(value)) }
    mutating func encode(_ value: String) throws { slot.content = .scalar(.string(value)) }
    mutating func encode(_ value: Double) throws { slot.content = .scalar(.float(Double(value))) }
    mutating func encode(_ value: Float) throws { slot.content = .scalar(.float(Double(value))) }
    mutating func encode(_ value: Int) throws { slot.content = .scalar(try integer(value, codingPath)) }
    mutating func encode(_ value: Int8) throws { slot.content = .scalar(try integer(value, codingPath)) }
    mutating func encode(_ value: Int16) throws { slot.content = .scalar(try integer(value, codingPath)) }
    mutating func encode(_ value: Int32) throws { slot.content = .scalar(try integer(value, codingPath)) }
    mutating func encode(_ value: Int64) throws { slot.content = .scalar(try integer(value, codingPath)) }
    mutating func encode(_ value: UInt) throws { slot.content = .scalar(try integer(value, codingPath)) }
    mutating func encode(_ value: UInt8) throws { slot.content = .scalar(try integer(value, codingPath)) }
    mutating func encode(_ value: UInt16) throws { slot.content = .scalar(try integer(value, codingPath)) }
    mutating func encode(_ value: UInt32) throws { slot.content = .scalar(try integer(value, codingPath)) }
    mutating func encode(_ value: UInt64) throws { slot.content = .scalar(try integer(value, codingPath)) }
    mutating func encode<T: Encodable>(_ value: T) throws { try slot.store(value, codingPath) }
}

// MARK: - Decoding

/// Decodes `type` from `value` (scalars directly, anything else by its `init(from:)`).
private func decodeValue<T: Decodable>(_ value: SendableValue, _ type: T.Type, _ path: [any CodingKey]) throws -> T {
    switch type {
    case is Bool.Type, is String.Type, is Double.Type, is Float.Type:
        return try unboxScalar(value, type, path)
    case let integer as any BinaryInteger.Type:
        return try unboxInteger(value, integer, path) as! T
    default:
        return try T(from: ValueDecoder(value: value, codingPath: path))
    }
}

private func mismatch(_ type: Any.Type, _ value: SendableValue, _ path: [any CodingKey]) -> DecodingError {
    .typeMismatch(type, .init(codingPath: path, debugDescription: "expected \(type), found \(Value(value).typeName) \(Value(value).displayString)"))
}

private func unboxScalar<T>(_ value: SendableValue, _ type: T.Type, _ path: [any CodingKey]) throws -> T {
    switch (value, type) {
    case (.bool(let b), is Bool.Type): return b as! T
    case (.string(let s), is String.Type): return s as! T
    case (.float(let d), is Double.Type): return d as! T
    case (.int(let i), is Double.Type): return Double(i) as! T
    case (.float(let d), is Float.Type): return Float(d) as! T
    case (.int(let i), is Float.Type): return Float(i) as! T
    default: throw mismatch(type, value, path)
    }
}

private func unboxInteger<I: BinaryInteger>(_ value: SendableValue, _ type: I.Type, _ path: [any CodingKey]) throws -> I {
    let n: I?
    switch value {
    case .int(let i): n = I(exactly: i)
    case .float(let d): n = d.rounded() == d ? I(exactly: d) : nil
    default: throw mismatch(type, value, path)
    }
    guard let n else {
        throw DecodingError.dataCorruptedError(in: path, value, "does not fit \(type)")
    }
    return n
}

private func unbox<T>(_ value: SendableValue, _ type: T.Type, _ path: [any CodingKey]) throws -> T {
    if let integer = type as? any BinaryInteger.Type { return try unboxInteger(value, integer, path) as! T }
    return try unboxScalar(value, type, path)
}

extension DecodingError {
    fileprivate static func dataCorruptedError(in path: [any CodingKey], _ value: SendableValue, _ message: String) -> DecodingError {
        .dataCorrupted(.init(codingPath: path, debugDescription: "\(Value(value).displayString) \(message)"))
    }
}

private struct ValueDecoder: Decoder {
    let value: SendableValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .map(let entries) = value else { throw mismatch(OrderedDictionary<String, SendableValue>.self, value, codingPath) }
        return KeyedDecodingContainer(KeyedValueDecoder<Key>(entries: entries, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .list(let items) = value else { throw mismatch([SendableValue].self, value, codingPath) }
        return UnkeyedValueDecoder(items: items, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleValueDecoder(value: value, codingPath: codingPath)
    }
}

private struct KeyedValueDecoder<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let entries: OrderedDictionary<String, SendableValue>
    let codingPath: [any CodingKey]
    var allKeys: [Key] { entries.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { entries[key.stringValue] != nil }

    private func entry(_ key: Key) throws -> SendableValue {
        guard let v = entries[key.stringValue] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "no key '\(key.stringValue)'"))
        }
        return v
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        guard let v = entries[key.stringValue] else { return true }
        return v == .null
    }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try unbox(try entry(key), Bool.self, codingPath + [key]) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try unbox(try entry(key), String.self, codingPath + [key]) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try unbox(try entry(key), Double.self, codingPath + [key]) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try unbox(try entry(key), Float.self, codingPath + [key]) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try unbox(try entry(key), Int.self, codingPath + [key]) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try unbox(try entry(key), Int8.self, codingPath + [key]) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try unbox(try entry(key), Int16.self, codingPath + [key]) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try unbox(try entry(key), Int32.self, codingPath + [key]) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try unbox(try entry(key), Int64.self, codingPath + [key]) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try unbox(try entry(key), UInt.self, codingPath + [key]) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try unbox(try entry(key), UInt8.self, codingPath + [key]) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try unbox(try entry(key), UInt16.self, codingPath + [key]) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try unbox(try entry(key), UInt32.self, codingPath + [key]) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try unbox(try entry(key), UInt64.self, codingPath + [key]) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try decodeValue(try entry(key), type, codingPath + [key]) }
    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try ValueDecoder(value: try entry(key), codingPath: codingPath + [key]).container(keyedBy: type)
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try ValueDecoder(value: try entry(key), codingPath: codingPath + [key]).unkeyedContainer()
    }
    func superDecoder() throws -> any Decoder { ValueDecoder(value: entries["super"] ?? .null, codingPath: codingPath) }
    func superDecoder(forKey key: Key) throws -> any Decoder { ValueDecoder(value: try entry(key), codingPath: codingPath + [key]) }
}

private struct UnkeyedValueDecoder: UnkeyedDecodingContainer {
    let items: [SendableValue]
    let codingPath: [any CodingKey]
    var currentIndex = 0
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    init(items: [SendableValue], codingPath: [any CodingKey]) {
        self.items = items
        self.codingPath = codingPath
    }

    private mutating func next() throws -> SendableValue {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(Any.self, .init(codingPath: codingPath, debugDescription: "the list has only \(items.count) items"))
        }
        defer { currentIndex += 1 }
        return items[currentIndex]
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, items[currentIndex] == .null else { return false }
        currentIndex += 1
        return true
    }
    mutating func decode(_ type: Bool.Type) throws -> Bool { try unbox(try next(), Bool.self, codingPath) }
    mutating func decode(_ type: String.Type) throws -> String { try unbox(try next(), String.self, codingPath) }
    mutating func decode(_ type: Double.Type) throws -> Double { try unbox(try next(), Double.self, codingPath) }
    mutating func decode(_ type: Float.Type) throws -> Float { try unbox(try next(), Float.self, codingPath) }
    mutating func decode(_ type: Int.Type) throws -> Int { try unbox(try next(), Int.self, codingPath) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try unbox(try next(), Int8.self, codingPath) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try unbox(try next(), Int16.self, codingPath) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try unbox(try next(), Int32.self, codingPath) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try unbox(try next(), Int64.self, codingPath) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try unbox(try next(), UInt.self, codingPath) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try unbox(try next(), UInt8.self, codingPath) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try unbox(try next(), UInt16.self, codingPath) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try unbox(try next(), UInt32.self, codingPath) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try unbox(try next(), UInt64.self, codingPath) }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let path = codingPath + [PlainKey(intValue: currentIndex)]
        return try decodeValue(try next(), type, path)
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try ValueDecoder(value: try next(), codingPath: codingPath).container(keyedBy: type)
    }
    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try ValueDecoder(value: try next(), codingPath: codingPath).unkeyedContainer()
    }
    mutating func superDecoder() throws -> any Decoder { ValueDecoder(value: try next(), codingPath: codingPath) }
}

private struct SingleValueDecoder: SingleValueDecodingContainer {
    let value: SendableValue
    let codingPath: [any CodingKey]
    func decodeNil() -> Bool { value == .null }
    func decode(_ type: Bool.Type) throws -> Bool { try unbox(value, Bool.self, codingPath) }
    func decode(_ type: String.Type) throws -> String { try unbox(value, String.self, codingPath) }
    func decode(_ type: Double.Type) throws -> Double { try unbox(value, Double.self, codingPath) }
    func decode(_ type: Float.Type) throws -> Float { try unbox(value, Float.self, codingPath) }
    func decode(_ type: Int.Type) throws -> Int { try unbox(value, Int.self, codingPath) }
    func decode(_ type: Int8.Type) throws -> Int8 { try unbox(value, Int8.self, codingPath) }
    func decode(_ type: Int16.Type) throws -> Int16 { try unbox(value, Int16.self, codingPath) }
    func decode(_ type: Int32.Type) throws -> Int32 { try unbox(value, Int32.self, codingPath) }
    func decode(_ type: Int64.Type) throws -> Int64 { try unbox(value, Int64.self, codingPath) }
    func decode(_ type: UInt.Type) throws -> UInt { try unbox(value, UInt.self, codingPath) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try unbox(value, UInt8.self, codingPath) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try unbox(value, UInt16.self, codingPath) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try unbox(value, UInt32.self, codingPath) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try unbox(value, UInt64.self, codingPath) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decodeValue(value, type, codingPath) }
}
