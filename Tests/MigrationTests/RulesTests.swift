import Testing
@testable import Migration

@Suite struct NumberingTests {
    let us = PhoneNumberNormalizer(site: MappingConfig.usSite)
    let de = PhoneNumberNormalizer(site: .init(country: "DE", countryCode: "49", trunkPrefix: "0", internationalPrefix: "00",
                                               nationalNumberLengths: [10, 11], timeZone: "Europe/Berlin"))
    let uk = PhoneNumberNormalizer(site: .init(country: "GB", countryCode: "44", trunkPrefix: "0", internationalPrefix: "00",
                                               nationalNumberLengths: [10], timeZone: "Europe/London"))

    @Test(arguments: [
        ("(202) 555-0123", "+12025550123"),      // punctuation
        ("202.555.0123", "+12025550123"),
        ("1-202-555-0123", "+12025550123"),      // trunk prefix
        ("+1 202 555 0123", "+12025550123"),     // already international
        ("011 44 20 7946 0958", "+442079460958"), // international prefix
    ])
    func usNumbers(raw: String, e164: String) throws {
        #expect(try us.normalize(raw).get() == e164)
    }

    @Test func europeanTrunkPrefixAndLeadingZeros() throws {
        #expect(try de.normalize("030 1234 5678").get() == "+493012345678")
        #expect(try de.normalize("0049 30 12345678").get() == "+493012345678")
        #expect(try uk.normalize("020 7946 0958").get() == "+442079460958")
        #expect(try uk.normalize("+44 (0)20 7946 0958").get() == "+442079460958")
    }

    @Test(arguments: ["555-0123", "12345", "", "202-555-01234567", "202 555 01x3", "+0123456789", "+1 202 555 012"])
    func impossibleNumbersFail(raw: String) {
        if case .success(let v) = us.normalize(raw) { Issue.record("\(raw) normalised to \(v)") }
    }

    @Test func extensionRanges() {
        let set = ExtensionRangeSet(["5000-5099", "1999", "0100-0199"])
        #expect(set.contains("5050"))
        #expect(set.contains("1999"))
        #expect(!set.contains("5100"))
        #expect(set.contains("0150"))
        #expect(!set.contains("150"))  // a 3-digit 150 is another number than 0150
        #expect(ExtensionRangeSet.parseRange("5099-5000") == nil)
        #expect(ExtensionRangeSet.parseRange("50-5000") == nil)
    }
}

@Suite struct PeopleTests {
    @Test func lastCommaFirst() {
        #expect(PersonName.display("Lovelace, Ada") == "Ada Lovelace")
        #expect(PersonName.display("  Müller ,  Jürgen  ") == "Jürgen Müller")
        #expect(PersonName.display("Front Desk") == "Front Desk")
    }

    @Test func emailsAreAsciiAndDeterministic() {
        #expect(PersonName.email(template: "{first}.{last}@{domain}", name: "Müller, Jürgen", extension: "4001", domain: "ex.com")
                == "jurgen.muller@ex.com")
        #expect(PersonName.email(template: "{first}.{last}@{domain}", name: "O'Brien, Seán", extension: "4002", domain: "ex.com")
                == "sean.o-brien@ex.com")
        #expect(PersonName.email(template: "{first}.{last}@{domain}", name: "Lobby", extension: "4003", domain: "ex.com")
                == "lobby@ex.com")
        #expect(PersonName.email(template: "{first}.{last}@{domain}", name: "", extension: "4004", domain: "ex.com")
                == "ext4004@ex.com")
    }

    @Test func uniqueNamesGetStableSuffixes() {
        var n = UniqueNamer()
        #expect(n.claim("Sales").0 == "Sales")
        #expect(n.claim("sales") == ("sales (2)", true))
        #expect(n.claim("Sales") == ("Sales (3)", true))
        var e = UniqueNamer()
        #expect(e.claimEmail("a.b@x.com").0 == "a.b@x.com")
        #expect(e.claimEmail("A.B@x.com").0 == "A.B2@x.com")
    }

    @Test func skillLevelOrderIsNeverInverted() {
        let cfg = MappingConfig.SkillLevels()
        let ps = (1...16).map { SkillLevelMap.proficiency(level: $0, config: cfg) }
        #expect(ps.first == 5.0)
        #expect(SkillLevelMap.proficiency(level: 4, config: cfg) == 4.0)
        #expect(ps.last == 0.0)
        for (a, b) in zip(ps, ps.dropFirst()) { #expect(a > b) }
        #expect(ps.allSatisfy { (0...5).contains($0) })
    }
}
