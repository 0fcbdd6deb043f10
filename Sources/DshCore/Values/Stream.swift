// Stream.swift: lazy, pull-based sequences.

/// A stream: the script pulls items one at a time with `next`. Lazy built-ins wrap a
/// stream in another; producers that run asynchronously (the Docker client) fill a
/// bounded buffer that `next` waits on. Closing a stream (a `break` out of `for`,
/// `take(n)` having enough, an error) releases what it holds, for example an HTTP request.
open class StreamValue {
    /// A short description shown by `str(s)`, for example `"logs"`.
    public let label: String
    /// Makes a stream labelled `label`.
    public init(label: String = "stream") { self.label = label }
    /// The next item, or nil at the end. Subclasses override this.
    open func next(_ runtime: any Runtime) throws -> Value? { nil }
    /// Stops the stream early and releases its resources. Idempotent. Subclasses
    /// that hold resources override it.
    open func close() {}
    /// How many items are left, when the stream knows it without pulling (a range, a
    /// `map` over one); nil when it does not. Only a hint for reserving room: `collect`
    /// still pulls until the end.
    var remainingHint: Int? { nil }
}

/// A stream whose items come from a Swift closure (nil ends it).
public final class ClosureStream: StreamValue {
    private var pull: ((any Runtime) throws -> Value?)?
    private let onClose: (() -> Void)?

    /// Makes a stream from `pull`; `onClose` runs once when the stream ends or is closed.
    public init(label: String = "stream", onClose: (() -> Void)? = nil, _ pull: @escaping (any Runtime) throws -> Value?) {
        self.pull = pull
        self.onClose = onClose
        super.init(label: label)
    }

    /// Pulls the next item from the closure.
    public override func next(_ runtime: any Runtime) throws -> Value? {
        guard let pull else { return nil }
        if let value = try pull(runtime) { return value }
        close()
        return nil
    }

    /// Drops the closure and runs `onClose` once.
    public override func close() {
        guard pull != nil else { return }
        pull = nil
        onClose?()
    }
}
