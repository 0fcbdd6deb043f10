// ProgressRenderer.swift: renders the daemon's JSON progress messages (pull, push,
// build, load) the way the docker CLI's jsonmessage does.
//
// On a terminal each layer id gets one line that is rewritten in place (cursor up
// `ESC[nA`, erase `ESC[2K`, cursor down `ESC[nB`) with a progress bar sized to the
// terminal; otherwise plain lines are written, one per change of a layer's status,
// so logs stay readable. An `error` item is raised by the stream itself, not here.
import DshCore

/// Renders progress messages to a text sink, one message at a time.
public final class ProgressRenderer {
    private let write: (String) -> Void
    private let isTerminal: Bool
    private let width: Int
    /// Line index of each layer id on screen (terminal mode), in order of appearance.
    private var lineOfID: [String: Int] = [:]
    private var lineCount = 0
    /// Last status written per id (plain mode), to skip repeated progress ticks.
    private var lastStatus: [String: String] = [:]

    /// Makes a renderer writing through `write`; `isTerminal` selects in-place updates.
    public init(isTerminal: Bool, width: Int = 80, write: @escaping (String) -> Void) {
        self.write = write
        self.isTerminal = isTerminal
        self.width = max(20, width)
    }

    /// Renders one message (a map with `status`, `id`, `progress`, `progressDetail`,
    /// `stream`, `aux`, ...).
    public func render(_ message: Value) {
        guard case .map(let m) = message else {
            write(message.displayString + "\n")
            return
        }
        if case .string(let text)? = m["stream"] {
            write(text)
            return
        }
        let id = m["id"].flatMap { if case .string(let s) = $0 { return s } else { return nil } }
        let status = m["status"].flatMap { if case .string(let s) = $0 { return s } else { return nil } } ?? ""
        if status.isEmpty && id == nil { return }  // aux-only messages carry no text
        let bar = progressText(m)
        if let id, isTerminal {
            let line = fit("\(id): \(status)" + (bar.isEmpty ? "" : " " + bar))
            if let index = lineOfID[id] {
                let up = lineCount - index
                write("\u{1B}[\(up)A\u{1B}[2K\r" + line + "\r\u{1B}[\(up)B")
            } else {
                lineOfID[id] = lineCount
                lineCount += 1
                write(line + "\n")
            }
        } else if let id {
            if lastStatus[id] == status { return }
            lastStatus[id] = status
            write("\(id): \(status)\n")
        } else {
            write(status + "\n")
            if isTerminal {
                // A line without id scrolls the layer lines: forget their positions.
                lineOfID.removeAll()
                lineCount = 0
            }
        }
    }

    /// The bar and sizes for a message: the daemon's own `progress` text when given,
    /// else one made from `progressDetail.current/total`.
    private func progressText(_ m: MapRef) -> String {
        guard case .map(let detail)? = m["progressDetail"],
              case .int(let current)? = detail["current"] else {
            if case .string(let p)? = m["progress"] { return p }
            return ""
        }
        let total: Int
        if case .int(let t)? = detail["total"] { total = t } else { total = 0 }
        if total <= 0 { return humanSize(current) }
        let barWidth = max(10, min(50, width - 60))
        let filled = min(barWidth, Int(Double(current) / Double(total) * Double(barWidth)))
        var bar = "[" + String(repeating: "=", count: filled)
        if filled < barWidth { bar += ">" + String(repeating: " ", count: barWidth - filled - 1) }
        bar += "]"
        return "\(bar)  \(humanSize(current))/\(humanSize(total))"
    }

    /// Cuts a line to the terminal width.
    private func fit(_ line: String) -> String {
        line.count <= width ? line : String(line.prefix(width - 1)) + "…"
    }

    /// Decimal sizes with three significant digits, like go-units `HumanSize`.
    private func humanSize(_ n: Int) -> String { SizeUnits.humanSize(Double(n), binary: false) }
}
