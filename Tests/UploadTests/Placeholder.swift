import Testing
@testable import Upload

@Test func moduleLinks() { #expect(UploadModule.name == "Upload") }
