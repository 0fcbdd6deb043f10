// DockerHijackedStream: the duplex byte stream of an upgraded attach/exec connection.
import NIOCore
import NIOHTTP1

/// A hijacked connection: write the process's stdin, half-close it, read its output.
/// Output is raw for a TTY and multiplexed otherwise; use ``frames(tty:)`` to demultiplex.
public final class DockerHijackedStream: Sendable {
    let channel: any Channel
    /// The `101` response head.
    public let head: HTTPResponseHead
    /// The output, chunk by chunk, including the bytes that came with the 101 headers.
    public let output: DockerByteStream
    /// The API version of the request.
    public let apiVersion: APIVersion

    init(channel: any Channel, head: HTTPResponseHead, output: DockerByteStream, apiVersion: APIVersion) {
        self.channel = channel
        self.head = head
        self.output = output
        self.apiVersion = apiVersion
    }

    /// The `Content-Type` of the 101 response.
    public var contentType: String? { head.headers.first(name: "Content-Type") }

    /// Writes bytes to the process's stdin (waits until the socket took them).
    public func write(_ bytes: some Sequence<UInt8>) async throws {
        var buffer = channel.allocator.buffer(capacity: 0)
        buffer.writeBytes(Array(bytes))
        try await write(buffer)
    }

    /// Writes a buffer to the process's stdin.
    public func write(_ buffer: ByteBuffer) async throws {
        do {
            try await channel.writeAndFlush(buffer).get()
        } catch {
            throw DockerError.transport("writing to the process's stdin failed: \(TransportErrors.connection(error).message)")
        }
    }

    /// Half-closes the connection (`shutdown(SHUT_WR)`): the process reads end-of-file
    /// on stdin while its output keeps flowing.
    public func closeWrite() async throws {
        do {
            try await channel.close(mode: .output).get()
        } catch ChannelError.alreadyClosed {
            return
        } catch {
            throw DockerError.transport("cannot close the process's stdin: \(TransportErrors.connection(error).message)")
        }
    }

    /// Closes the connection both ways.
    public func close() async {
        try? await channel.close().get()
    }

    /// Whether the output is multiplexed: by Content-Type as for logs, else `!tty`.
    public func isMultiplexed(tty: Bool) -> Bool {
        DockerFrames<DockerByteStream>.isMultiplexed(contentType: contentType, apiVersion: apiVersion, tty: tty)
    }

    /// The output as stdout/stderr chunks.
    public func frames(tty: Bool) -> DockerFrames<DockerByteStream> {
        DockerFrames(output, multiplexed: isMultiplexed(tty: tty))
    }

    /// The output as lines per stream.
    public func lines(tty: Bool) -> DockerLines<DockerFrames<DockerByteStream>> {
        DockerLines(frames(tty: tty))
    }
}
