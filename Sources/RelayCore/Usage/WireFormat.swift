/// The three wire formats an upstream or a client can speak.
public enum WireFormat: String, Sendable, CaseIterable, Codable {
    case anthropic
    case openAIResponses = "openai-responses"
    case openAIChat = "openai-chat"
}
