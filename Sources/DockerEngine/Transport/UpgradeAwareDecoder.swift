// UpgradeAwareDecoder: NIO's HTTP response decoder, plus the bytes that came after a 101's
// head when the daemon closes the connection before the switch to the raw stream completed
// (NIO drops them then: a quick exec's whole output arrives with the 101 and the close).
import NIOCore
import NIOHTTP1

/// Whether the connection switched to the hijacked stream (event loop only).
final class UpgradeSwitch {
    var switched = false
}

/// Decodes responses with `HTTPResponseDecoder`; once ``UpgradeSwitch/switched`` is set, bytes
/// left in the buffer when the connection ends are passed on to the raw stream handler
/// (the decoder forwards them itself only when it is removed before the end).
final class UpgradeAwareDecoder: WriteObservingByteToMessageDecoder {
    typealias InboundOut = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    private let inner = HTTPResponseDecoder(leftOverBytesStrategy: .forwardBytes)
    private let upgrade: UpgradeSwitch

    init(upgrade: UpgradeSwitch) {
        self.upgrade = upgrade
    }

    func decoderAdded(context: ChannelHandlerContext) { inner.decoderAdded(context: context) }
    func decoderRemoved(context: ChannelHandlerContext) { inner.decoderRemoved(context: context) }

    /// The decoder learns each request's method from the writes (a HEAD's answer has no body).
    func write(data: HTTPClientRequestPart) { inner.write(data: data) }

    func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        try inner.decode(context: context, buffer: &buffer)
    }

    func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        let state = try inner.decodeLast(context: context, buffer: &buffer, seenEOF: seenEOF)
        if seenEOF, upgrade.switched, buffer.readableBytes > 0 {
            context.fireChannelRead(NIOAny(buffer))
            buffer.moveReaderIndex(to: buffer.writerIndex)
        }
        return state
    }
}
