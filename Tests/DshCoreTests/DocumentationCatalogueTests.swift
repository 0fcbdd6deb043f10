// DocumentationCatalogueTests.swift: the DocC catalogues exist for the documented modules,
// and the embedding guide is one file, shown both in docs/ and in DshCore's catalogue.
// (That the catalogues build without a DocC warning is `scripts/docs`, run by scripts/test.)
import Foundation
import Testing

/// The package root (three levels above this file).
private var packageRoot: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

@Test func theEmbeddingGuideIsOneFileSharedByDocsAndTheCatalogue() throws {
    let article = packageRoot.appendingPathComponent("Sources/DshCore/DshCore.docc/embedding.md")
    let guide = packageRoot.appendingPathComponent("docs/embedding.md")
    // A link, not a copy: the two cannot diverge.
    let target = try FileManager.default.destinationOfSymbolicLink(atPath: article.path)
    #expect(target == "../../../docs/embedding.md")
    #expect(article.resolvingSymlinksInPath().path == guide.resolvingSymlinksInPath().path)
    #expect(try Data(contentsOf: article) == Data(contentsOf: guide))
}

@Test(arguments: ["DshCore", "DockerEngine", "DshDocker"])
func eachDocumentedModuleHasACatalogueNamingIt(module: String) throws {
    let page = packageRoot.appendingPathComponent("Sources/\(module)/\(module).docc/\(module).md")
    let text = try String(contentsOf: page, encoding: .utf8)
    #expect(text.hasPrefix("# ``\(module)``\n"), "the landing page's title must be the module's symbol link")
    #expect(text.contains("\n## Topics\n"))
}
