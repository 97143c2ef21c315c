import RelayConfig
import RelayCore

extension RuntimeConfig {
    /// The configured model rules (in order), then — for Chat Completions on Anthropic
    /// upstreams — the documented defaults for `gpt-*` / `o*` names.
    func modelMatcher(for pool: PoolName) -> ModelRuleMatcher {
        var rules = file.modelRules.map { rule in
            ModelRulePattern(
                source: rule.source, target: rule.target, kind: ModelRulePattern.Kind(rawValue: rule.match.rawValue) ?? .exact,
                enabled: rule.enabled)
        }
        if pool == .openai { rules += ModelRuleMatcher.defaultOpenAIRules }
        return ModelRuleMatcher(rules: rules)
    }
}
