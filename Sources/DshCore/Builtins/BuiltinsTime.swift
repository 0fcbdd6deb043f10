// BuiltinsTime.swift: time built-ins for what the Docker API sends: RFC 3339 timestamps
// (`parse_time`), Go-style durations (`parse_duration`), and the docker CLI's relative
// times (`ago`: "5 minutes ago", after go-units' HumanDuration).
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension Builtins {
    static var timeFunctions: [(String, NativeBody)] {
        [
            ("parse_time", parseTime),
            ("parse_duration", parseDuration),
            ("ago", ago),
        ]
    }

    /// `parse_time(s)`: an RFC 3339 time ("2024-05-01T10:00:00.5+02:00") as seconds since
    /// the epoch (a float, like `now()`); a number is returned as it is.
    static func parseTime(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("parse_time", 1, 1)
        switch args.at(0) {
        case .int(let i): return .float(Double(i))
        case .float(let d): return .float(d)
        case .string(let s): return .float(try TimeText.parseRFC3339(s))
        case let v: throw DshError.runtime("parse_time: expected an RFC 3339 string or a number, got \(v.typeName)")
        }
    }

    /// `parse_duration(s)`: a Go duration ("90s", "5m", "1h30m", "1.5h", "300ms", "2us",
    /// "10ns", plus "d" for days) in seconds: an int when whole, else a float. A number
    /// is taken as seconds already.
    static func parseDuration(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("parse_duration", 1, 1)
        switch args.at(0) {
        case .int(let i): return .int(i)
        case .float(let d): return .float(d)
        case .string(let s):
            let seconds = try TimeText.parseDuration(s)
            if seconds == seconds.rounded(), abs(seconds) < 9.2e18 { return .int(Int(seconds)) }
            return .float(seconds)
        case let v: throw DshError.runtime("parse_duration: expected a string such as \"5m\", got \(v.typeName)")
        }
    }

    /// `ago(t)`: how long ago `t` (seconds since the epoch, or an RFC 3339 string) was, as
    /// the docker CLI says it: "Less than a second ago", "5 minutes ago", "About an hour
    /// ago", "3 days ago"; "in 5 minutes" for a future time; "never" for Docker's zero time.
    static func ago(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("ago", 1, 1)
        let t: Double
        switch args.at(0) {
        case .int(let i): t = Double(i)
        case .float(let d): t = d
        case .string(let s): t = try TimeText.parseRFC3339(s)
        case let v: throw DshError.runtime("ago: expected seconds since the epoch or an RFC 3339 string, got \(v.typeName)")
        }
        return .string(TimeText.ago(t))
    }
}

/// Time parsing and wording shared with the Docker bindings' views.
public enum TimeText {
    /// Seconds since the epoch now.
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// `ago` of a time in seconds since the epoch.
    public static func ago(_ t: Double, now: Double = TimeText.now()) -> String {
        if t <= -62_135_596_800 { return "never" }  // 0001-01-01T00:00:00Z, Docker's zero time
        let d = now - t
        if d < 0 && -d >= 1 { return "in " + humanDuration(-d) }
        return humanDuration(d) + " ago"
    }

    /// go-units' `HumanDuration`, which the docker CLI uses for CREATED and STATUS.
    public static func humanDuration(_ d: Double) -> String {
        let seconds = Int(d)
        if seconds < 1 { return "Less than a second" }
        if seconds == 1 { return "1 second" }
        if seconds < 60 { return "\(seconds) seconds" }
        let minutes = Int(d / 60)
        if minutes == 1 { return "About a minute" }
        if minutes < 60 { return "\(minutes) minutes" }
        let hours = Int((d / 3600).rounded())
        if hours == 1 { return "About an hour" }
        if hours < 48 { return "\(hours) hours" }
        if hours < 24 * 7 * 2 { return "\(hours / 24) days" }
        if hours < 24 * 30 * 2 { return "\(hours / 24 / 7) weeks" }
        if hours < 24 * 365 * 2 { return "\(hours / 24 / 30) months" }
        return "\(Int(d / 3600) / 24 / 365) years"
    }

    /// An RFC 3339 time as seconds since the epoch (fractions to the nanosecond).
    public static func parseRFC3339(_ s: String) throws -> Double {
        let b = Array(s.utf8)
        let bad = DshError.runtime("parse_time: not an RFC 3339 time: \(Value.quote(s))")
        func digits(_ at: Int, _ n: Int) throws -> Int {
            guard at + n <= b.count else { throw bad }
            var v = 0
            for i in at..<at + n {
                guard b[i] >= 0x30 && b[i] <= 0x39 else { throw bad }
                v = v * 10 + Int(b[i] - 0x30)
            }
            return v
        }
        func expect(_ at: Int, _ c: UInt8) throws { guard at < b.count, b[at] == c else { throw bad } }
        let year = try digits(0, 4)
        try expect(4, UInt8(ascii: "-"))
        let month = try digits(5, 2)
        try expect(7, UInt8(ascii: "-"))
        let day = try digits(8, 2)
        guard b.count > 10, b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t") || b[10] == UInt8(ascii: " ") else { throw bad }
        let hour = try digits(11, 2)
        try expect(13, UInt8(ascii: ":"))
        let minute = try digits(14, 2)
        try expect(16, UInt8(ascii: ":"))
        let second = try digits(17, 2)
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second <= 60 else { throw bad }
        var i = 19
        var fraction = 0.0
        if i < b.count && b[i] == UInt8(ascii: ".") {
            i += 1
            var scale = 0.1
            let start = i
            while i < b.count && b[i] >= 0x30 && b[i] <= 0x39 {
                fraction += Double(b[i] - 0x30) * scale
                scale /= 10
                i += 1
            }
            if i == start { throw bad }
        }
        guard i < b.count else { throw bad }
        var offset = 0
        switch b[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            i += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
            let oh = try digits(i + 1, 2)
            try expect(i + 3, UInt8(ascii: ":"))
            let om = try digits(i + 4, 2)
            offset = sign * (oh * 3600 + om * 60)
            i += 6
        default: throw bad
        }
        guard i == b.count else { throw bad }
        // Days from the civil date (Howard Hinnant's algorithm).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return Double(days * 86_400 + hour * 3600 + minute * 60 + second - offset) + fraction
    }

    /// A Go duration in seconds (with `d` for days as well).
    public static func parseDuration(_ s: String) throws -> Double {
        let bad = DshError.runtime("parse_duration: invalid duration \(Value.quote(s)) (expected e.g. \"90s\", \"5m\", \"1h30m\")")
        var b = Array(s.utf8)[...]
        var sign = 1.0
        if let f = b.first, f == UInt8(ascii: "-") || f == UInt8(ascii: "+") {
            sign = f == UInt8(ascii: "-") ? -1 : 1
            b = b.dropFirst()
        }
        if b.count == 1 && b.first == UInt8(ascii: "0") { return 0 }
        if b.isEmpty { throw bad }
        var total = 0.0
        while !b.isEmpty {
            var number = ""
            while let c = b.first, (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: ".") {
                number.unicodeScalars.append(Unicode.Scalar(c))
                b = b.dropFirst()
            }
            guard !number.isEmpty, number != ".", let value = Double(number) else { throw bad }
            var unit = ""
            while let c = b.first, !(c >= 0x30 && c <= 0x39) && c != UInt8(ascii: ".") {
                unit += String(decoding: [c], as: UTF8.self)
                b = b.dropFirst()
            }
            let scale: Double
            switch unit {
            case "ns": scale = 1e-9
            case "us", "µs", "μs": scale = 1e-6
            case "ms": scale = 1e-3
            case "s": scale = 1
            case "m": scale = 60
            case "h": scale = 3600
            case "d": scale = 86_400
            default: throw bad
            }
            total += value * scale
        }
        return sign * total
    }
}
