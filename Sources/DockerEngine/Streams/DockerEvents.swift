// DockerEvents: the engine's event messages (`GET /events`) decoded into `DockerEvent`
// values, one per message, as they arrive.

/// One event of `GET /events` (the API's `EventMessage`): what happened (`action`) to
/// which object (`type`, `actor`), where (`scope`) and when. Fields the engine adds
/// in later API versions are ignored; `type` and `action` must be there, the others
/// read as empty or zero when absent (as in Docker's Go client).
public struct DockerEvent: Decodable, Sendable, Equatable {
    /// The kind of object: `container`, `image`, `network`, `volume`, `daemon`, `plugin`,
    /// `service`, `node`, `secret`, `config`, `builder` (others kept as sent).
    public var type: String
    /// What happened: `create`, `start`, `die`, `destroy`, `pull`, `exec_start: sh`, ...
    public var action: String
    /// The object the event is about.
    public var actor: Actor
    /// `local` for engine events, `swarm` for cluster events ("" when absent).
    public var scope: String
    /// Seconds since the Unix epoch (0 when absent).
    public var time: Int64
    /// The same instant in nanoseconds since the Unix epoch (0 when absent).
    public var timeNano: Int64

    /// The object an event is about.
    public struct Actor: Decodable, Sendable, Equatable {
        /// Its ID ("" when absent).
        public var id: String
        /// Its attributes: for a container its `name`, `image`, labels, an `exitCode`...
        public var attributes: [String: String]

        /// An actor.
        public init(id: String, attributes: [String: String] = [:]) {
            self.id = id
            self.attributes = attributes
        }

        private enum CodingKeys: String, CodingKey {
            case id = "ID", attributes = "Attributes"
        }

        /// Decodes the API's `EventActor`.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decodeIfPresent(String.self, forKey: .id) ?? ""
            attributes = try c.decodeIfPresent([String: String].self, forKey: .attributes) ?? [:]
        }
    }

    /// An event.
    public init(type: String, action: String, actor: Actor, scope: String = "local", time: Int64 = 0, timeNano: Int64 = 0) {
        self.type = type
        self.action = action
        self.actor = actor
        self.scope = scope
        self.time = time
        self.timeNano = timeNano
    }

    private enum CodingKeys: String, CodingKey {
        case type = "Type", action = "Action", actor = "Actor", scope, time, timeNano
    }

    /// Decodes the API's `EventMessage`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.decode(String.self, forKey: .type)
        action = try c.decode(String.self, forKey: .action)
        actor = try c.decodeIfPresent(Actor.self, forKey: .actor) ?? Actor(id: "")
        scope = try c.decodeIfPresent(String.self, forKey: .scope) ?? ""
        time = try c.decodeIfPresent(Int64.self, forKey: .time) ?? 0
        timeNano = try c.decodeIfPresent(Int64.self, forKey: .timeNano) ?? 0
    }

    /// Decodes one message of `GET /events`; a message that is not an event throws a
    /// ``DockerError`` of kind `.stream` saying what is wrong with it.
    public static func decode(_ message: some Collection<UInt8>) throws -> DockerEvent {
        do {
            return try JSONValueDecoding.decode(DockerEvent.self, from: message)
        } catch {
            throw DockerError(kind: .stream, message: "events: a message that is not an event (\(DockerEvent.describe(error))): \(DockerEvent.excerpt(message))")
        }
    }

    /// What a decoding error says, briefly (the field and the problem).
    private static func describe(_ error: any Error) -> String {
        guard let e = error as? DecodingError else { return "not JSON" }
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch e {
        case .keyNotFound(let key, _): return "no \(key.stringValue)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context): return "\(path(context)) has the wrong type"
        case .dataCorrupted(let context): return context.codingPath.isEmpty ? "not JSON" : "\(path(context)) is malformed"
        @unknown default: return "malformed"
        }
    }

    /// The start of a message, for an error (at most 120 bytes).
    private static func excerpt(_ message: some Collection<UInt8>) -> String {
        let text = String(decoding: message.prefix(120), as: UTF8.self)
        return message.count > 120 ? text + "..." : text
    }
}

/// The events of a sequence of `GET /events` messages, decoded as they arrive. Leaving
/// the loop ends the iteration (and, for ``DockerClient/typedEvents(since:until:filters:)``,
/// closes the request); a message that is not an event, an error message from the daemon
/// or a broken stream throws a ``DockerError``.
public struct DockerEvents<Base: AsyncSequence>: AsyncSequence where Base.Element == [UInt8] {
    /// A decoded event.
    public typealias Element = DockerEvent
    let messages: Base

    /// The events of `messages` (for example `DockerJSONMessages(chunks).throwingOnError()`).
    public init(_ messages: Base) { self.messages = messages }

    /// Iterates the events.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: messages.makeAsyncIterator()) }

    /// The iterator.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        /// The next event, nil at the end.
        public mutating func next() async throws -> DockerEvent? {
            guard let message = try await base.next() else { return nil }
            return try DockerEvent.decode(message)
        }
    }
}

extension DockerEvents: Sendable where Base: Sendable {}

extension DockerClient {
    /// `GET /events` decoded: the engine's events as ``DockerEvent`` values until `until`
    /// (a Unix time or RFC 3339 timestamp) or until the loop ends, which closes the
    /// request. `since` replays events from that time; `filters` as for
    /// ``events(since:until:filters:)`` (`["type": ["container"], "container": [id]]`).
    public func typedEvents(since: String? = nil, until: String? = nil, filters: [String: [String]] = [:]) async throws
        -> DockerEvents<DockerCheckedJSONMessages<DockerByteStream>>
    {
        DockerEvents(try await events(since: since, until: until, filters: filters))
    }
}
