/// USD per million tokens for one model.
///
/// Our token categories do not overlap (input is new input only), so cost =
/// input×`input` + output×`output` + 5-minute cache writes×`cacheWrite` + 1-hour cache
/// writes×`cacheWrite1h` + cache reads×`cacheRead`. Reasoning tokens are part of output and
/// are not charged twice. OpenAI bills cache writes as plain input, so its entries set
/// `cacheWrite` = `input`.
public struct ModelPrice: Sendable, Equatable, Hashable, Codable {
    public var input: Double
    public var output: Double
    /// Cache writes (Anthropic's 5-minute cache, or the only cache-write price).
    public var cacheWrite: Double
    /// Anthropic's 1-hour cache writes; nil = same as `cacheWrite`.
    public var cacheWrite1h: Double?
    public var cacheRead: Double

    public init(input: Double, output: Double, cacheWrite: Double, cacheWrite1h: Double? = nil, cacheRead: Double) {
        self.input = input
        self.output = output
        self.cacheWrite = cacheWrite
        self.cacheWrite1h = cacheWrite1h
        self.cacheRead = cacheRead
    }

    /// Anthropic's multipliers: 5-minute write 1.25×, 1-hour write 2×, read 0.1× of input.
    public static func anthropic(input: Double, output: Double) -> ModelPrice {
        ModelPrice(input: input, output: output, cacheWrite: input * 1.25, cacheWrite1h: input * 2, cacheRead: input / 10)
    }

    /// OpenAI: cache writes cost plain input; reads are discounted to `cachedInput`.
    public static func openAI(input: Double, output: Double, cachedInput: Double) -> ModelPrice {
        ModelPrice(input: input, output: output, cacheWrite: input, cacheRead: cachedInput)
    }

    enum CodingKeys: String, CodingKey {
        case input, output
        case cacheWrite = "cache_write"
        case cacheWrite1h = "cache_write_1h"
        case cacheRead = "cache_read"
    }

    /// USD for the given token counts.
    public func cost(input: Int, output: Int, cacheWrite: Int, cacheWrite1h: Int, cacheRead: Int) -> Double {
        let oneHour = min(max(0, cacheWrite1h), max(0, cacheWrite))
        let fiveMinute = max(0, cacheWrite) - oneHour
        let micro = Double(input) * self.input + Double(output) * self.output + Double(fiveMinute) * self.cacheWrite
            + Double(oneHour) * (self.cacheWrite1h ?? self.cacheWrite) + Double(cacheRead) * self.cacheRead
        return micro / 1_000_000
    }
}

/// A currency for display next to USD (the original showed CNY at 7.2 per USD).
public struct DisplayCurrency: Sendable, Equatable, Hashable, Codable {
    /// ISO 4217 code, e.g. `CNY`.
    public var code: String
    /// Units of this currency per US dollar.
    public var perUSD: Double

    public init(code: String, perUSD: Double) {
        self.code = code
        self.perUSD = perUSD
    }

    public static let cny = DisplayCurrency(code: "CNY", perUSD: 7.2)

    enum CodingKeys: String, CodingKey {
        case code
        case perUSD = "per_usd"
    }
}
