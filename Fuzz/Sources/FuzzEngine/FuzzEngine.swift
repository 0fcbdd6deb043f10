// FuzzEngine.swift: libFuzzer entry point for DockerEngine's decoders of what a daemon
// (or a build context) sends: `http` (HTTPResponseReader), `frames` (multiplexed
// stdout/stderr frames, then lines), `jsonmessages` (the JSON progress stream splitter),
// `tar` (TarReader) and `dockerignore` (parsing and matching). FUZZ_TARGET picks one.
// The first input byte chooses how the rest is cut into reads, so that every decoder
// also sees its input split at arbitrary places, as a socket delivers it.
@testable import DockerEngine
import NIOCore
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Which target this process fuzzes.
let fuzzTarget: String = getenv("FUZZ_TARGET").map { String(cString: $0) } ?? "http"

/// Cuts `bytes` into reads of 1 to 256 bytes, the sizes cycling from `seed`.
func pieces(_ bytes: ArraySlice<UInt8>, seed: UInt8) -> [ArraySlice<UInt8>] {
    var out: [ArraySlice<UInt8>] = []
    var i = bytes.startIndex
    var k = Int(seed)
    while i < bytes.endIndex {
        let n = 1 + (k * 37 + 11) % (seed < 128 ? 256 : 7)
        let end = min(bytes.endIndex, i + n)
        out.append(bytes[i..<end])
        i = end
        k += 1
    }
    return out
}

/// Serves the fuzz input to the HTTP reader in pieces; then the connection closes.
struct PieceSource: HTTPByteSource {
    var parts: [ArraySlice<UInt8>]
    var next = 0
    mutating func read(into buffer: inout [UInt8], maxBytes: Int, timeout: Duration?, timeoutMessage: @autoclosure () -> String) throws -> Int {
        guard next < parts.count else { return 0 }
        var part = parts[next]
        if part.count > maxBytes {
            parts[next] = part.dropFirst(maxBytes)
            part = part.prefix(maxBytes)
        } else {
            next += 1
        }
        buffer.append(contentsOf: part)
        return part.count
    }
}

func fuzzHTTP(_ seed: UInt8, _ body: ArraySlice<UInt8>) {
    var reader = HTTPResponseReader(source: PieceSource(parts: pieces(body, seed: seed)), headTimeout: nil, idleTimeout: nil)
    _ = try? reader.read(isHead: seed & 1 == 1, limit: 1 << 20, errorLimit: 1 << 12)
}

func fuzzFrames(_ seed: UInt8, _ body: ArraySlice<UInt8>) {
    var decoder = DockerFrameDecoder(multiplexed: seed & 1 == 0)
    var lines = DockerLineSplitter(maxLineBytes: 1 << 12)
    var out: [DockerOutputLine] = []
    do {
        for part in pieces(body, seed: seed) {
            var buffer = ByteBuffer(bytes: part)
            try decoder.decode(&buffer) { chunk in lines.split(chunk, into: &out) }
            out.removeAll(keepingCapacity: true)
        }
        try decoder.finish()
        lines.finish(into: &out)
    } catch {}
}

func fuzzJSONMessages(_ seed: UInt8, _ body: ArraySlice<UInt8>) {
    var splitter = JSONMessageSplitter(maxMessageBytes: 1 << 14)
    var messages: [[UInt8]] = []
    do {
        for part in pieces(body, seed: seed) {
            try Array(part).withUnsafeBytes { try splitter.feed($0, into: &messages) }
            for m in messages { _ = JSONMessageSplitter.errorMessage(in: m) }
            messages.removeAll(keepingCapacity: true)
        }
        try splitter.finish()
    } catch {}
}

/// The fuzz input as an async sequence of buffers, for the tar reader.
struct Buffers: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let parts: [ByteBuffer]
    struct AsyncIterator: AsyncIteratorProtocol {
        var parts: [ByteBuffer]
        var next = 0
        mutating func next() async throws -> ByteBuffer? {
            guard next < parts.count else { return nil }
            defer { next += 1 }
            return parts[next]
        }
    }
    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(parts: parts) }
}

func fuzzTar(_ seed: UInt8, _ body: ArraySlice<UInt8>) {
    let buffers = Buffers(parts: pieces(body, seed: seed).map { ByteBuffer(bytes: $0) })
    let done = DispatchSemaphore(value: 0)
    Task {
        do {
            for try await member in TarReader(buffers, maxMemberBytes: 1 << 20) {
                _ = try? TarExtractor.safeRelativePath(member.entry.path)
            }
        } catch {}
        done.signal()
    }
    done.wait()
}

func fuzzDockerIgnore(_ seed: UInt8, _ body: ArraySlice<UInt8>) {
    let rules = DockerIgnore.parse(Array(body))
    guard let ignore = try? DockerIgnore(patterns: rules) else { return }
    // Paths made from the rules themselves reach the interesting matching branches.
    var paths = ["a", "a/b", "a/b/c.txt", ".git", "Dockerfile", "x/y/../z"]
    for r in rules.prefix(8) {
        let p = r.hasPrefix("!") ? String(r.dropFirst()) : r
        paths.append(p)
        paths.append(p + "/x")
    }
    for p in paths {
        _ = ignore.matches(p)
        var info = DockerIgnore.MatchInfo()
        var prefix = ""
        for part in p.split(separator: "/") {
            prefix = prefix.isEmpty ? String(part) : prefix + "/" + part
            (_, info) = ignore.matches(prefix, parent: info)
        }
    }
    _ = try? DockerIgnore.keepingBuildFiles(rules, dockerfile: "Dockerfile")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard size > 0, let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let seed = bytes[0], body = bytes[1...]
    switch fuzzTarget {
    case "frames": fuzzFrames(seed, body)
    case "jsonmessages": fuzzJSONMessages(seed, body)
    case "tar": fuzzTar(seed, body)
    case "dockerignore": fuzzDockerIgnore(seed, body)
    default: fuzzHTTP(seed, body)
    }
    return 0
}
