// DocCommentTests.swift: every public declaration of the library targets has a doc
// comment (DocCommentChecker), and the checker finds the seeded ones that have none.
import Foundation
import Testing

/// The package root (three levels above this file).
private var packageRoot: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

@Test func everyPublicDeclarationOfTheLibrariesHasADocComment() throws {
    let targets = ["DockerEngine", "DshCore", "DshDocker", "DshHost"]
    let directories = targets.map { packageRoot.appendingPathComponent("Sources/\($0)") }
    let findings = try DocCommentChecker.findings(inDirectories: directories)
    #expect(findings.isEmpty, "\(findings.count) undocumented:\n\(findings.map(\.description).joined(separator: "\n"))")
}

/// The lines the checker reports for `source`.
private func flagged(_ source: String) -> [Int] {
    DocCommentChecker.findings(in: source, file: "seed.swift").map(\.line)
}

@Test func theCheckerFindsPublicDeclarationsWithoutADocComment() {
    let source = """
        /// Documented.
        public struct A {
            public var undocumented: Int
            /// Documented.
            public init() { undocumented = 0 }
            var internalNeedsNothing = 1
            @discardableResult
            public func attributedWithoutDoc() -> Int { 1 }
            /// Documented through an attribute.
            @discardableResult
            public func attributedWithDoc() -> Int { 1 }
            /// A blank line breaks the link.

            public func afterABlankLine() {}
            // An ordinary comment is not a doc comment.
            public static func plainComment() {}
            public private(set) var setterRestricted = 0
        }
        public enum E {
            /// Documented.
            case a
            case b, c
            /// Documented.
            public func f(_ x: E) -> Int {
                switch x {
                case .a: return 1
                default: return 0
                }
            }
        }
        public protocol P {
            func requirement()
            /// Documented.
            var documented: Int { get }
        }
        public extension A {
            func implicitlyPublic() {}
            private func hidden() {}
        }
        /**
         Documented by a block.
         */
        open class O {
            open func overridable() {}
        }
        enum InternalEnum { case notPublic }
        """
    #expect(flagged(source) == [3, 8, 14, 16, 17, 19, 22, 31, 32, 37, 44])
}

@Test func theCheckerIgnoresDeclarationsInStringsCommentsAndBodies() {
    let source = #"""
        /// Documented.
        public func body() {
            let text = "public func notADeclaration() {"
            let interpolated = "\(text.count) public var x = 1"
            let block = """
                public struct InAString {}
                """
            let raw = #"public let y = "\(1)""#
            _ = (text, interpolated, block, raw)
        }
        /* public func inABlockComment() {} */
        // public func inALineComment() {}
        /// Documented.
        public let after = 1
        public let flagged = 2
        """#
    #expect(flagged(source) == [15])
}

@Test func extensionsAndImportsNeedNoDocCommentAndModifierLinesAreSkipped() {
    let source = """
        public import Foundation
        public extension String {
            /// Documented.
            var documented: Int { 1 }
        }
        extension Int {
            public var undocumented: Int { 1 }
        }
        /// Documented past a line of modifiers.
        nonisolated(nonsending)
        public func passes() async {}
        @available(macOS 15, *) public func undocumentedAvailable() {}
        """
    #expect(flagged(source) == [7, 12])
}
