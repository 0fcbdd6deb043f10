// GlobalScope.swift: top-level names and the global slot indices they resolve to.

/// Counts the global slots handed out; shared by every scope of one interpreter so
/// that all globals (built-ins, script names, modules' names) live in one array.
final class GlobalStore {
    /// Slots allocated so far.
    var count = 0
    /// Name of each slot (for messages).
    var names: [String] = []

    func allocate(_ name: String) -> Int {
        count += 1
        names.append(name)
        return count - 1
    }
}

/// A table of top-level names: the interpreter's root scope (built-ins, host names,
/// script and REPL globals) or a module's own scope (its parent is the root).
final class GlobalScope {
    struct Entry {
        var index: Int
        var kind: DeclarationKind
    }

    let parent: GlobalScope?
    let store: GlobalStore
    var entries: [String: Entry] = [:]

    init(store: GlobalStore, parent: GlobalScope? = nil) {
        self.store = store
        self.parent = parent
    }

    /// The entry for `name` here or in a parent scope.
    func lookup(_ name: String) -> Entry? {
        if let e = entries[name] { return e }
        return parent?.lookup(name)
    }

    /// Declares `name` here (reusing its slot when it already exists here).
    @discardableResult
    func declare(_ name: String, kind: DeclarationKind) -> Int {
        if var e = entries[name] {
            e.kind = kind
            entries[name] = e
            return e.index
        }
        let index = store.allocate(name)
        entries[name] = Entry(index: index, kind: kind)
        return index
    }

    /// Every visible name (for hints and completion).
    var allNames: [String] {
        var out = Array(entries.keys)
        if let parent { out += parent.allNames.filter { entries[$0] == nil } }
        return out
    }
}
