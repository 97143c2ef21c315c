public import Foundation
public import RelayRouting
import Synchronization

/// The last requests' routing decisions, for the status API (explainable routing).
public final class RecentRequests: Sendable {
    public struct Item: Sendable, Codable {
        public var requestID: String
        public var at: Date
        public var pool: String
        public var model: String?
        public var status: Int
        public var attempts: Int
        public var servedBy: String?
        public var skipped: [String]
        public var trail: [TrailStep]

        enum CodingKeys: String, CodingKey {
            case requestID = "request_id", at, pool, model, status, attempts, servedBy = "served_by", skipped, trail
        }
    }

    private let items = Mutex<[Item]>([])
    private let capacity: Int

    public init(capacity: Int = 50) {
        self.capacity = capacity
    }

    public func add(_ item: Item) {
        items.withLock { items in
            items.append(item)
            if items.count > capacity { items.removeFirst(items.count - capacity) }
        }
    }

    public var all: [Item] { items.withLock { Array($0.reversed()) } }
}
