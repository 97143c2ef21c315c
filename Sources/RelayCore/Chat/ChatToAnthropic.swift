/// OpenAI Chat Completions request → Anthropic Messages request (PROTOCOLS.md §5.1), through the
/// canonical model: ``ChatRequestDecoder`` then ``AnthropicRequestEncoder``.
public enum ChatToAnthropic {
    /// Translates one Chat request body.
    ///
    /// Model handling: ``ChatConversionOptions/renameModel`` (the model rules) and the `-thinking`
    /// suffix are resolved by ``ResolvedModel/resolve(_:rename:)``; an explicit `reasoning_effort`
    /// beats the suffix. The result's `dropped` lists everything accepted but not carried upstream.
    ///
    /// - Throws: ``WireError`` (400, OpenAI error shape) for what an Anthropic upstream cannot do
    ///   (`n > 1`, `logprobs`, audio, unknown content parts) or malformed fields; never worth a failover.
    public static func convert(_ body: JSONValue, options: ChatConversionOptions = .init()) throws(WireError) -> ConvertedRequest {
        let decoded = try ChatRequestDecoder.decode(body)
        var request = decoded.request
        let resolved = ResolvedModel.resolve(request.model, rename: options.renameModel)
        request.model = resolved.upstream
        if resolved.thinkingFromSuffix, request.reasoning == nil {
            request.reasoning = CanonicalReasoning(effort: nil, source: .modelSuffix)
        }
        let encoded = AnthropicRequestEncoder.encode(request, options: options.anthropic)
        let customTools = Set(request.tools.compactMap { tool -> String? in
            if case .custom = tool.kind { return tool.name }
            return nil
        })
        let context = ChatResponseContext(
            requestedModel: resolved.requested, includeUsage: request.includeUsage, customToolNames: customTools,
            jsonToolName: encoded.jsonToolName, emitThinkingBlocks: options.emitThinkingBlocks)
        return ConvertedRequest(
            body: encoded.body, stream: request.stream, includeUsage: request.includeUsage, requestedModel: resolved.requested,
            upstreamModel: resolved.upstream, thinking: encoded.thinking, dropped: decoded.dropped + encoded.notes,
            responseContext: context)
    }
}
