import Foundation

/// Point reads by key that arrive together go to the database together: while `lanes` reads are
/// in flight, the keys asked for meanwhile wait and are read in the next one, with one query for
/// all of them. Under load that turns many round trips (each a wake-up of the database server and
/// of this one) into a few; alone, a read goes at once, as it would without this. Every answer
/// comes from a read that started after it was asked for, so nothing stale is ever returned.
package actor ReadCoalescer<Key: Hashable & Sendable, Value: Sendable> {
    package typealias Fetch = @Sendable ([Key]) async throws -> [Key: Value]

    private var waiting: [Key: [CheckedContinuation<Value?, any Error>]] = [:]
    private var inFlight = 0
    private let lanes: Int
    private let maxKeys: Int
    private let fetch: Fetch

    package init(lanes: Int = 2, maxKeys: Int = 100, fetch: @escaping Fetch) {
        self.lanes = lanes
        self.maxKeys = maxKeys
        self.fetch = fetch
    }

    package func read(_ key: Key) async throws -> Value? {
        try await withCheckedThrowingContinuation { continuation in
            waiting[key, default: []].append(continuation)
            if inFlight < lanes { startRead() }
        }
    }

    private func startRead() {
        guard !waiting.isEmpty else { return }
        let keys = Array(waiting.keys.prefix(maxKeys))
        let asked = keys.map { (key: $0, continuations: waiting.removeValue(forKey: $0)!) }
        inFlight += 1
        Task {
            let outcome: Result<[Key: Value], any Error>
            do { outcome = .success(try await fetch(keys)) } catch { outcome = .failure(error) }
            finish(asked, outcome)
        }
    }

    private func finish(
        _ asked: [(key: Key, continuations: [CheckedContinuation<Value?, any Error>])], _ outcome: Result<[Key: Value], any Error>
    ) {
        inFlight -= 1
        for (key, continuations) in asked {
            for continuation in continuations {
                switch outcome {
                case let .success(found): continuation.resume(returning: found[key])
                case let .failure(error): continuation.resume(throwing: error)
                }
            }
        }
        if inFlight < lanes { startRead() }
    }
}
