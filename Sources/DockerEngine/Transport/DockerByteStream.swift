// DockerByteStream: a response body (or hijacked output) as an async sequence of chunks.
import NIOCore

/// Tells the channel handler that feeds a ``DockerByteStream`` when to read more and when
/// the consumer went away (cancelled task, dropped iterator).
struct ByteStreamDelegate: NIOAsyncSequenceProducerDelegate {
    let onProduceMore: @Sendable () -> Void
    let onTerminate: @Sendable () -> Void
    func produceMore() { onProduceMore() }
    func didTerminate() { onTerminate() }
}

/// The body of a response, chunk by chunk as the daemon sends it, with backpressure:
/// the connection stops reading while the consumer is behind. Cancelling the consuming
/// task, or dropping the iterator before the end, closes the connection at once.
/// It supports a single iterator.
public struct DockerByteStream: AsyncSequence, Sendable {
    /// A chunk of bytes.
    public typealias Element = ByteBuffer
    typealias Producer = NIOThrowingAsyncSequenceProducer<
        ByteBuffer, any Error, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, ByteStreamDelegate
    >

    let producer: Producer

    init(producer: Producer) { self.producer = producer }

    /// Makes a producer/stream pair; the source is fed on the channel's event loop.
    static func make(
        lowWatermark: Int = 2, highWatermark: Int = 16,
        onProduceMore: @escaping @Sendable () -> Void, onTerminate: @escaping @Sendable () -> Void
    ) -> (DockerByteStream, Producer.Source) {
        let made = Producer.makeSequence(
            elementType: ByteBuffer.self, failureType: (any Error).self,
            backPressureStrategy: .init(lowWatermark: lowWatermark, highWatermark: highWatermark),
            finishOnDeinit: false,
            delegate: ByteStreamDelegate(onProduceMore: onProduceMore, onTerminate: onTerminate)
        )
        return (DockerByteStream(producer: made.sequence), made.source)
    }

    /// A stream that yields the given chunks (an empty body, tests).
    public static func chunks(_ chunks: [ByteBuffer]) -> DockerByteStream {
        let (stream, source) = make(onProduceMore: {}, onTerminate: {})
        _ = source.yield(contentsOf: chunks)
        source.finish()
        return stream
    }

    /// Iterates the chunks.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: producer.makeAsyncIterator()) }

    /// The iterator; `next()` throws the transport or timeout error that ended the body early.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Producer.AsyncIterator
        /// The next chunk, or nil at the end of the body.
        public mutating func next() async throws -> ByteBuffer? { try await base.next() }
    }

    /// Collects the whole body; throws when it exceeds `limit` bytes.
    public func collect(upTo limit: Int) async throws -> [UInt8] {
        var out: [UInt8] = []
        for try await chunk in self {
            if out.count + chunk.readableBytes > limit {
                throw DockerError(kind: .protocolError, message: "the response body exceeds the limit of \(limit) bytes")
            }
            out.append(contentsOf: chunk.readableBytesView)
        }
        return out
    }
}
