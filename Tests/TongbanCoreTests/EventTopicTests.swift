import Foundation
import Testing
@testable import TongbanCore

/// The topics the platform writes, what a subscription may name, and whose events it receives.
@Suite("event topics and subscription scopes")
struct EventTopicTests {
    @Test("every topic has a unique dotted name, a summary and fields; every case action and follow-up action has its topic")
    func catalog() {
        #expect(Set(EventTopic.all.map(\.name)).count == EventTopic.all.count)
        for topic in EventTopic.all {
            #expect(topic.name.split(separator: ".").count == 2, "\(topic)")
            #expect(!topic.summary.isEmpty && !topic.fields.isEmpty && !topic.requiredFieldNames.isEmpty, "\(topic)")
            #expect(Set(topic.fields.map(\.name)).count == topic.fields.count, "\(topic)")
            #expect(EventTopic.byName[topic.name] == topic)
        }
        for kind in CaseActionKind.allCases { #expect(EventTopic.all.contains(.caseAction(kind))) }
        for action in FollowUpAction.allCases { #expect(EventTopic.all.contains(.followUpAction(action))) }
    }

    @Test("a payload must carry every required field and nothing the topic does not name")
    func payloads() {
        var rng = SplitMix64(seed: 0x70_91C5)
        for _ in 0..<2_000 {
            let topic = EventTopic.all.randomElement(using: &rng)!
            var keys = topic.requiredFieldNames
            for field in topic.fields where !field.required && Bool.random(using: &rng) { keys.insert(field.name) }
            #expect(topic.accepts(payloadKeys: keys))
            if let dropped = topic.requiredFieldNames.randomElement(using: &rng) {
                #expect(!topic.accepts(payloadKeys: keys.subtracting([dropped])))
            }
            #expect(!topic.accepts(payloadKeys: keys.union(["unnamed\(Int.random(in: 0..<9, using: &rng))"])))
        }
    }

    @Test("patterns: a topic, a group's every topic, or everything; anything else is named as unknown")
    func patterns() throws {
        #expect(try TopicPattern("case.accept").matches(.caseAction(.accept)))
        #expect(try !TopicPattern("case.accept").matches(.caseAction(.decide)))
        for topic in EventTopic.all {
            #expect(try TopicPattern("*").matches(topic))
            #expect(try TopicPattern("\(topic.group).*").matches(topic))
            for other in EventTopic.all where other.group != topic.group {
                #expect(try !TopicPattern("\(topic.group).*").matches(other))
            }
        }
        let (patterns, unknown) = TopicPattern.parse([
            "case.*", " license.issued ", "case.*", "case.nothing", "nothing.*", "", "case.", "*.*",
        ])
        #expect(patterns.map(\.text) == ["case.*", "license.issued"])
        #expect(unknown == ["case.nothing", "nothing.*", "", "case.", "*.*"])
    }

    @Test(
        "a department's subscription receives its own department's events, never another's; region scope adds its region's events of no department"
    )
    func scopes() throws {
        var rng = SplitMix64(seed: 0x5C0_9E)
        let departments = (0..<4).map { _ in UUID() }
        let regions = ["330106", "330102", "330100", "330000", "330106002", "510000"].map { try! RegionCode($0) }
        for _ in 0..<20_000 {
            let own = departments.randomElement(using: &rng)!
            let region = regions.randomElement(using: &rng)!
            let scope = SubscriptionScope.allCases.randomElement(using: &rng)!
            let concerned = departments.filter { _ in Int.random(in: 0..<3, using: &rng) == 0 }
            let eventRegion = Bool.random(using: &rng) ? regions.randomElement(using: &rng) : nil
            let audience = EventAudience(departmentIDs: concerned, regionCode: eventRegion)
            let expected =
                concerned.contains(own)
                || (scope == .region && concerned.isEmpty && eventRegion.map { region.contains($0) } == true)
            #expect(scope.reaches(audience, departmentID: own, regionCode: region) == expected)
        }
    }
}
