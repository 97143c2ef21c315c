// Switchyard admin UI: one page, no dependencies, ES2020.
//
// Safety rule for this file: the DOM is built with createElement/textContent only (see `h`).
// No innerHTML, insertAdjacentHTML, document.write or inline handlers anywhere, so a value such as
// a model name `<img src=x onerror=alert(1)>` is always inert text.
'use strict';

(function () {
  // ------------------------------------------------------------------------------------------
  // i18n

  const I18N = {
    en: {
      app_title: 'Switchyard',
      app_subtitle: 'Claude Code / Codex relay configuration',
      lang_button: '中文',
      login_title: 'Admin login',
      login_help: 'Enter the admin token (from the config, SWITCHYARD_ADMIN_TOKEN, or printed at first start).',
      admin_token: 'Admin token',
      login: 'Log in',
      logout: 'Log out',
      login_wrong: 'Wrong admin token.',
      login_limited: 'Too many attempts. Try again in {s} s.',
      login_unavailable: 'The admin API is not available on this server ({status}).',
      session_expired: 'Your session ended. Log in again.',
      network_error: 'Cannot reach the server.',
      tab_claude: 'Claude pool',
      tab_codex: 'Codex pool',
      tab_openai: 'OpenAI → Claude',
      tab_retry_nodes: 'Retry nodes',
      tab_rules: 'Model rules',
      tab_clients: 'Clients',
      tab_settings: 'Timeouts & schedule',
      tab_strategies: 'Error strategies',
      tab_health: 'Live health',
      tab_stats: 'Token statistics',
      add: '➕ Add',
      refresh: '🔄 Refresh',
      reset_cooldown: '🔄 Reset cooldown',
      reload_file: '📂 Reload config file',
      reloaded: 'Config file reloaded.',
      auto_saved: '✅ Saved',
      saved: 'Saved.',
      cancel: 'Cancel',
      ok: 'OK',
      save: 'Save',
      close: 'Close',
      loading: 'Loading…',
      none: '—',
      yes: 'yes',
      no: 'no',
      conflict: 'Someone else changed the configuration. The latest version has been loaded; please redo your change.',
      validation_failed: 'The server rejected the change:',
      request_failed: 'Request failed ({status}): {message}',
      not_supported: 'This server does not support that ({status}).',
      confirm_delete: 'Delete “{name}”?',
      confirm_reset_pool: 'Reset the cooldowns and disables of every upstream in this pool?',
      confirm_reset_all: 'Reset the health of every upstream?',
      // pools
      pool_note_claude: 'Serves Claude Code and the Anthropic SDK (/api/v1/messages). Order is priority: primaries first, then backups.',
      pool_note_codex: 'Serves Codex CLI and the Responses API (/openai/responses). Order is priority.',
      pool_note_openai: 'Serves OpenAI Chat Completions clients from Anthropic upstreams. Enabled entries are used in list order.',
      pool_note_retry_nodes: 'Strategy-retry nodes: tried in order when a failure’s strategy is “strategy retry”, with longer timeouts.',
      schedule_tz: 'Schedules and activation times use the time zone {tz}.',
      no_upstreams: 'No upstreams yet. Use “Add” to create one.',
      col_priority: 'Priority',
      col_name: 'Name',
      col_status: 'Status',
      col_endpoint: 'Endpoint',
      col_key: 'Key',
      col_schedule: 'Schedule',
      col_activation: 'Activation',
      col_actions: 'Actions',
      role_primary: 'Primary',
      role_backup: 'Backup',
      enabled: '✓ Enabled',
      disabled: '✗ Disabled',
      enable: 'Enable',
      disable: 'Disable',
      move_up: 'Move up',
      move_down: 'Move down',
      move_top: 'Move to top',
      move_bottom: 'Move to bottom',
      duplicate: 'Duplicate',
      edit: 'Edit',
      delete: 'Delete',
      all_day: 'all day',
      every_day: 'every day',
      activation_at: '🔔 Scheduled activation: {time}',
      add_upstream: 'Add upstream',
      edit_upstream: 'Edit upstream',
      f_name: 'Name',
      f_base_url: 'API URL (base_url)',
      f_base_url_help: 'anthropic: without /v1 (https://api.anthropic.com); openai-responses: with the version (https://api.openai.com/v1).',
      f_key: 'API key',
      f_key_help_new: 'The real upstream key. Never shown again after saving.',
      f_key_help_edit: 'Current key {masked}. Leave empty to keep it; type a new key to replace it.',
      f_format: 'Format',
      f_auth: 'Auth header',
      f_role: 'Type',
      f_enabled: 'Enabled',
      f_weekdays: 'Days (time enable)',
      f_hours: 'Hour windows',
      f_hours_help: 'HH:MM-HH:MM, may cross midnight (22:00-02:00). None = all day.',
      add_window: '+ window',
      remove: 'Remove',
      f_activation: 'Scheduled activation',
      f_activation_enabled: 'Enable scheduled activation',
      f_activation_time: 'Time',
      f_activation_model: 'Model (optional)',
      f_activation_prompt: 'Prompt (optional)',
      f_activation_help: 'One minimal request at this time starts the key’s billing window; on failure it retries every minute, at most 20 times a day.',
      f_proxy: 'Proxy',
      f_proxy_help: 'http://host:port, socks5://host:port, or “none”. Empty = global / environment.',
      f_ca_file: 'CA file',
      f_ca_file_help: 'PEM file with extra CA certificates for this upstream.',
      err_required: 'Required.',
      err_url: 'Must start with http:// or https://.',
      err_hours: 'Use HH:MM-HH:MM.',
      err_time: 'Use HH:MM.',
      err_number: 'Must be a number ≥ {min}.',
      weekday_0: 'Mon', weekday_1: 'Tue', weekday_2: 'Wed', weekday_3: 'Thu', weekday_4: 'Fri', weekday_5: 'Sat', weekday_6: 'Sun',
      // rules
      rules_note: 'Model renames, applied in list order to the model a client asks for.',
      no_rules: 'No model rules.',
      col_source: '📥 Source model',
      col_target: '📤 Target model',
      col_match: '🔧 Match',
      add_rule: 'Add model rule',
      edit_rule: 'Edit model rule',
      f_source: 'Source model',
      f_target: 'Target model',
      f_match: 'Match',
      match_exact: 'exact', match_prefix: 'prefix', match_glob: 'glob (*)',
      // clients
      clients_note: 'Credentials your clients (Claude Code, Codex, SDK apps) send to Switchyard. A new key is shown once.',
      no_clients: 'No client keys: every relay request gets 401.',
      add_client: 'Add client key',
      f_client_key: 'Key (optional)',
      f_client_key_help: 'Leave empty to generate a strong key.',
      new_client_key: 'New client key',
      new_client_key_help: 'Copy it now: it will not be shown again.',
      copy: 'Copy',
      copied: 'Copied.',
      // settings
      settings_note: 'Changes are saved automatically and apply to new requests at once.',
      reset_to_current: '🔄 Reset to current config',
      g_general: 'General',
      g_timeouts: 'Upstream timeouts (seconds)',
      g_pool_timeouts: 'Per-pool timeout overrides (empty = inherit)',
      g_retry_node_timeouts: 'Retry node timeouts (empty = inherit)',
      g_health: 'Health and cooldowns',
      g_retry: 'Retries',
      g_server: 'Listener (applies after a restart)',
      g_admin: 'Admin access',
      s_session_ttl_seconds: 'Session lifetime (s)', s_session_ttl_seconds_help: 'A UI login ends this long after it started.',
      s_session_idle_seconds: 'Session idle timeout (s)', s_session_idle_seconds_help: 'A UI login ends after this long without a request.',
      s_allowed_hosts: 'Extra allowed host names', s_allowed_hosts_help: 'Besides localhost, 127.0.0.1, [::1] and the listen address (e.g. a reverse proxy’s name). Comma-separated.',
      s_time_zone: 'Time zone',
      s_time_zone_help: 'IANA name (Asia/Shanghai, UTC) or “local”. Used by weekday schedules, hour windows and activation.',
      s_proxy: 'Global proxy',
      s_proxy_help: 'For upstreams without their own proxy. Empty = environment (HTTPS_PROXY…), “none” = direct.',
      s_connect: 'Connect', s_connect_help: 'TCP + TLS (+ proxy) connect.',
      s_first_byte: 'First byte', s_first_byte_help: 'From sending the request to the response headers.',
      s_idle: 'Idle', s_idle_help: 'Longest silence between two chunks; a healthy long stream is never cut.',
      s_total: 'Total', s_total_help: 'Whole non-streaming exchange.',
      s_error_threshold: 'Error threshold', s_error_threshold_help: 'Consecutive failures before a key cools down.',
      s_cooldown_seconds: 'Cooldown (s)', s_cooldown_seconds_help: 'First cooldown; each further one doubles.',
      s_cooldown_max_seconds: 'Cooldown max (s)', s_cooldown_max_seconds_help: 'Longest cooldown (≥ cooldown).',
      s_primary_check_interval: 'Primary check interval (s)', s_primary_check_interval_help: 'While a backup serves, how often a recovered primary is probed.',
      s_retry_after_cap_seconds: 'Retry-After cap (s)', s_retry_after_cap_seconds_help: 'Longest Retry-After honoured for a 429 cooldown.',
      s_overload_cooldown_seconds: 'Overload cooldown (s)', s_overload_cooldown_seconds_help: 'Provider+model cooldown after 529 / overloaded.',
      s_max_attempts: 'Max attempts', s_max_attempts_help: 'Upstream attempts per client request.',
      s_same_upstream_retries: 'Same-upstream retries', s_same_upstream_retries_help: 'Extra tries of one upstream under “retry”.',
      s_backoff_base_ms: 'Back-off base (ms)', s_backoff_base_ms_help: 'Full-jitter exponential back-off base.',
      s_backoff_cap_ms: 'Back-off cap (ms)', s_backoff_cap_ms_help: 'Longest back-off.',
      s_deadline_seconds: 'Deadline (s)', s_deadline_seconds_help: 'No new attempt starts after this.',
      s_budget_ratio: 'Retry budget ratio', s_budget_ratio_help: 'Retries in flight ≤ ratio × requests in flight…',
      s_budget_min_concurrent: 'Retry budget minimum', s_budget_min_concurrent_help: '…but at least this many.',
      s_host: 'Host', s_host_help: 'Listen address.',
      s_port: 'Port', s_port_help: 'Listen port.',
      s_max_body_bytes: 'Max body (bytes)', s_max_body_bytes_help: 'Larger requests get 413.',
      default_is: 'default {v}',
      pool_col: 'Pool',
      // strategies
      strategies_note: 'What to do after a failed attempt. “Built-in” follows the relay’s table (docs/CONFIG.md).',
      g_http: 'HTTP status codes',
      g_network: 'Network errors',
      col_code: 'Code',
      col_meaning: 'Meaning',
      col_strategy: 'Strategy',
      st_builtin: 'Built-in: {v}',
      st_switch: 'Switch API',
      st_retry: 'Retry same upstream',
      st_strategy: 'Strategy retry (retry nodes)',
      st_none: 'No retry',
      all_strategy: 'Set all to strategy retry',
      all_switch: 'Set all to switch API',
      all_builtin: 'Set all to built-in',
      add_code: 'Add status code',
      save_strategies: '💾 Save',
      code_default: 'any other status',
      net_connect_error: 'Connection refused, DNS, TLS',
      net_connect_timeout: 'Connect timeout',
      net_first_byte_timeout: 'No response headers in time',
      net_idle_timeout: 'Stream went silent',
      net_reset: 'Connection reset',
      net_default: 'Any other network error',
      // health
      health_note: 'Refreshes every 5 s while this tab is open.',
      generated_at: 'As of {t}',
      col_state: 'State',
      col_until: 'Cooling until',
      col_reason: 'Why',
      col_counts: 'Fail / OK',
      col_last_error: 'Last error',
      col_scheduled: 'In schedule',
      using_backup: 'Serving from backup',
      reset: 'Reset',
      reset_pool: 'Reset pool',
      reset_everything: 'Reset all health',
      state_healthy: 'Healthy', state_degraded: 'Degraded', state_cooling: 'Cooling', state_recovering: 'Recovering',
      state_probing: 'Probing', state_disabled: 'Disabled',
      in_s: 'in {s}',
      next_attempt: 'next {t}',
      last_success: 'last success {t}',
      attempts_today: '{n} attempt(s) today',
      recent_requests: 'Recent requests',
      col_time: 'Time',
      col_pool: 'Pool',
      col_model: 'Model',
      col_http: 'Status',
      col_attempts: 'Attempts',
      col_served_by: 'Served by',
      col_upstream: 'Upstream',
      col_client: 'Client',
      col_skipped: 'Skipped',
      col_trail: 'Trail',
      retry_nodes_title: 'Retry nodes',
      budget_refusals: 'Retries refused by the budget: {n}',
      no_recent: 'No requests yet.',
      poll_error: 'Status refresh failed; retrying in {s} s.',
      // stats
      period_today: 'Today', period_7d: '7 days', period_30d: '30 days', period_all: 'All', period_custom: 'Custom',
      from: 'From', to: 'To', apply: 'Apply',
      refresh_stats: '🔄 Refresh',
      clear_stats: '🗑️ Clear data',
      confirm_clear_stats: 'Delete all token statistics? This cannot be undone.',
      stats_cleared: 'Statistics cleared.',
      c_requests: 'Requests', c_total: 'Total tokens', c_input: 'Input tokens', c_output: 'Output tokens',
      c_cache_write: 'Cache write', c_cache_read: 'Cache read', c_usd: 'Cost (USD)', c_cny: 'Cost ({code})',
      chart_tokens_day: 'Tokens per day', chart_cost_day: 'Cost per day (USD)', chart_tokens_model: 'Tokens per model',
      by_model: 'By model', by_upstream: 'By upstream', by_client: 'By client',
      col_requests: 'Requests', col_total: 'Total', col_input: 'Input', col_output: 'Output', col_cw: 'Cache write', col_cr: 'Cache read',
      col_usd: 'USD', col_cny: '{code}',
      no_data: 'No data for this period.',
      stats_generated: 'Generated {t}',
      cost_estimate: 'Costs are estimates from the price table.',
      unpriced: 'No price for: {models} (not in the costs).',
      export_csv: '⬇ CSV',
      export_json: '⬇ JSON',
      ledger_unhealthy: 'The usage ledger is not healthy: {n} record(s) dropped, {q} queued. Numbers may be incomplete.',
      open_standalone: 'Open as page ↗',
      back_to_admin: '← Admin',
    },
    zh: {
      app_title: 'Switchyard',
      app_subtitle: 'Claude code/Codex API 中转统一配置管理',
      lang_button: 'English',
      login_title: '管理员登录',
      login_help: '请输入管理令牌（配置文件、环境变量 SWITCHYARD_ADMIN_TOKEN，或首次启动时打印的令牌）。',
      admin_token: '管理令牌',
      login: '登录',
      logout: '退出登录',
      login_wrong: '管理令牌错误。',
      login_limited: '尝试次数过多，请 {s} 秒后再试。',
      login_unavailable: '此服务器未提供管理 API（{status}）。',
      session_expired: '会话已结束，请重新登录。',
      network_error: '无法连接服务器。',
      tab_claude: 'Claude API配置',
      tab_codex: 'Codex配置',
      tab_openai: 'OpenAI转Claude',
      tab_retry_nodes: '超时重试',
      tab_rules: '模型转换',
      tab_clients: '客户端密钥',
      tab_settings: '超时设置',
      tab_strategies: '错误处理策略',
      tab_health: '运行状态',
      tab_stats: '令牌统计',
      add: '➕ 添加',
      refresh: '🔄 刷新',
      reset_cooldown: '🔄 重置冷却',
      reload_file: '📂 重新加载配置文件',
      reloaded: '已重新加载配置文件。',
      auto_saved: '✅ 已自动保存',
      saved: '已保存。',
      cancel: '取消',
      ok: '确定',
      save: '保存',
      close: '关闭',
      loading: '加载中…',
      none: '—',
      yes: '是',
      no: '否',
      conflict: '配置已被其他人修改，已加载最新版本，请重新操作。',
      validation_failed: '服务器拒绝了此修改：',
      request_failed: '请求失败（{status}）：{message}',
      not_supported: '此服务器不支持该操作（{status}）。',
      confirm_delete: '确定删除“{name}”？',
      confirm_reset_pool: '确定重置此列表中所有API的冷却和禁用状态？',
      confirm_reset_all: '确定重置所有API的健康状态？',
      pool_note_claude: '服务 Claude Code 和 Anthropic SDK（/api/v1/messages）。列表顺序即优先级：先主API，后备用API。',
      pool_note_codex: '服务 Codex CLI 和 Responses API（/openai/responses）。列表顺序即优先级。',
      pool_note_openai: '用 Anthropic 上游服务 OpenAI Chat Completions 客户端。按列表顺序优先使用启用的配置。',
      pool_note_retry_nodes: '策略重试节点：失败策略为“策略重试”时按顺序尝试，使用更长的超时。',
      schedule_tz: '时间使能和定时激活使用时区 {tz}。',
      no_upstreams: '暂无配置，点击“添加”创建。',
      col_priority: '优先级',
      col_name: '名称',
      col_status: '状态',
      col_endpoint: 'API地址',
      col_key: 'API Key',
      col_schedule: '时间使能',
      col_activation: '定时激活',
      col_actions: '操作',
      role_primary: '主API',
      role_backup: '备用API',
      enabled: '✓ 已启用',
      disabled: '✗ 已禁用',
      enable: '启用',
      disable: '禁用',
      move_up: '上移',
      move_down: '下移',
      move_top: '置顶',
      move_bottom: '置底',
      duplicate: '复制',
      edit: '编辑',
      delete: '删除',
      all_day: '全天',
      every_day: '每天',
      activation_at: '🔔 定时激活: {time}',
      add_upstream: '添加配置',
      edit_upstream: '编辑配置',
      f_name: '名称',
      f_base_url: 'API地址（base_url）',
      f_base_url_help: 'anthropic：不带 /v1（https://api.anthropic.com）；openai-responses：带版本（https://api.openai.com/v1）。',
      f_key: 'API Key',
      f_key_help_new: '真实的上游密钥，保存后不再显示。',
      f_key_help_edit: '当前密钥 {masked}。留空则保持不变；输入新密钥则替换。',
      f_format: '格式',
      f_auth: '认证方式',
      f_role: '类型',
      f_enabled: '启用',
      f_weekdays: '时间使能',
      f_hours: '时段',
      f_hours_help: 'HH:MM-HH:MM，可跨午夜（22:00-02:00）。不填 = 全天。',
      add_window: '+ 时段',
      remove: '移除',
      f_activation: '定时激活',
      f_activation_enabled: '启用定时激活',
      f_activation_time: '时间',
      f_activation_model: '模型（可选）',
      f_activation_prompt: '提示词（可选）',
      f_activation_help: '在此时间发送一次最小请求以开始计费周期；失败后每 1 分钟重试，每天最多 20 次。',
      f_proxy: '代理',
      f_proxy_help: 'http://host:port、socks5://host:port 或 “none”。留空 = 全局 / 环境变量。',
      f_ca_file: 'CA 文件',
      f_ca_file_help: '此上游额外信任的 CA 证书（PEM）。',
      err_required: '必填。',
      err_url: '必须以 http:// 或 https:// 开头。',
      err_hours: '格式为 HH:MM-HH:MM。',
      err_time: '格式为 HH:MM。',
      err_number: '必须是 ≥ {min} 的数字。',
      weekday_0: '周一', weekday_1: '周二', weekday_2: '周三', weekday_3: '周四', weekday_4: '周五', weekday_5: '周六', weekday_6: '周日',
      rules_note: '模型名转换，按列表顺序作用于客户端请求的模型。',
      no_rules: '暂无模型转换规则。',
      col_source: '📥 源模型',
      col_target: '📤 目标模型',
      col_match: '🔧 匹配方式',
      add_rule: '添加模型转换',
      edit_rule: '编辑模型转换',
      f_source: '源模型',
      f_target: '目标模型',
      f_match: '匹配方式',
      match_exact: '精确', match_prefix: '前缀', match_glob: '通配（*）',
      clients_note: '客户端（Claude Code、Codex、SDK 应用）访问 Switchyard 使用的密钥。新密钥只显示一次。',
      no_clients: '没有客户端密钥：所有中转请求都会返回 401。',
      add_client: '添加客户端密钥',
      f_client_key: '密钥（可选）',
      f_client_key_help: '留空则自动生成强密钥。',
      new_client_key: '新的客户端密钥',
      new_client_key_help: '请立即复制：之后不会再显示。',
      copy: '复制',
      copied: '已复制。',
      settings_note: '修改会自动保存，并立即作用于新请求。',
      reset_to_current: '🔄 重置为当前配置',
      g_general: '通用设置',
      g_timeouts: '上游超时（秒）',
      g_pool_timeouts: '按列表覆盖超时（留空 = 继承）',
      g_retry_node_timeouts: '重试节点超时（留空 = 继承）',
      g_health: '健康检查与冷却',
      g_retry: '重试',
      g_server: '监听（重启后生效）',
      g_admin: '管理访问',
      s_session_ttl_seconds: '会话有效期（秒）', s_session_ttl_seconds_help: '登录后最长保持这么久。',
      s_session_idle_seconds: '会话空闲超时（秒）', s_session_idle_seconds_help: '这么久没有请求则退出登录。',
      s_allowed_hosts: '额外允许的主机名', s_allowed_hosts_help: '除 localhost、127.0.0.1、[::1] 和监听地址外（例如反向代理的域名），用逗号分隔。',
      s_time_zone: '时区',
      s_time_zone_help: 'IANA 名称（Asia/Shanghai、UTC）或 “local”。用于时间使能、时段和定时激活。',
      s_proxy: '全局代理',
      s_proxy_help: '用于没有单独代理的上游。留空 = 环境变量（HTTPS_PROXY…），“none” = 直连。',
      s_connect: '连接超时', s_connect_help: 'TCP + TLS（+ 代理）连接。',
      s_first_byte: '首字节超时', s_first_byte_help: '从发出请求到收到响应头。',
      s_idle: '空闲超时', s_idle_help: '两个数据块之间的最长间隔；正常的长流不会被中断。',
      s_total: '总超时', s_total_help: '非流式请求的整体时间。',
      s_error_threshold: '错误阈值', s_error_threshold_help: '连续失败多少次后进入冷却。',
      s_cooldown_seconds: '冷却时间（秒）', s_cooldown_seconds_help: '首次冷却时间，之后每次加倍。',
      s_cooldown_max_seconds: '最长冷却（秒）', s_cooldown_max_seconds_help: '冷却上限（≥ 冷却时间）。',
      s_primary_check_interval: '主API检查间隔（秒）', s_primary_check_interval_help: '使用备用API时，多久探测一次恢复的主API。',
      s_retry_after_cap_seconds: 'Retry-After 上限（秒）', s_retry_after_cap_seconds_help: '429 冷却时遵循的最长 Retry-After。',
      s_overload_cooldown_seconds: '过载冷却（秒）', s_overload_cooldown_seconds_help: '529 / overloaded 后提供方+模型的冷却。',
      s_max_attempts: '最大尝试次数', s_max_attempts_help: '每个客户端请求的上游尝试次数。',
      s_same_upstream_retries: '同一上游重试次数', s_same_upstream_retries_help: '“普通重试”时同一上游的额外尝试。',
      s_backoff_base_ms: '退避基数（毫秒）', s_backoff_base_ms_help: '全抖动指数退避的基数。',
      s_backoff_cap_ms: '退避上限（毫秒）', s_backoff_cap_ms_help: '最长退避。',
      s_deadline_seconds: '截止时间（秒）', s_deadline_seconds_help: '超过后不再发起新的尝试。',
      s_budget_ratio: '重试预算比例', s_budget_ratio_help: '进行中的重试 ≤ 比例 × 进行中的请求…',
      s_budget_min_concurrent: '重试预算下限', s_budget_min_concurrent_help: '…但至少这么多。',
      s_host: '地址', s_host_help: '监听地址。',
      s_port: '端口', s_port_help: '监听端口。',
      s_max_body_bytes: '最大请求体（字节）', s_max_body_bytes_help: '更大的请求返回 413。',
      default_is: '默认 {v}',
      pool_col: '列表',
      strategies_note: '请求失败后的处理方式。“内置”表示使用中转的默认表（docs/CONFIG.md）。',
      g_http: 'HTTP 状态码',
      g_network: '网络错误',
      col_code: '状态码',
      col_meaning: '说明',
      col_strategy: '策略',
      st_builtin: '内置：{v}',
      st_switch: 'API切换（切换重试）',
      st_retry: '普通重试',
      st_strategy: '策略重试（超时重试）',
      st_none: '不重试',
      all_strategy: '全部设为策略重试',
      all_switch: '全部设为API切换',
      all_builtin: '全部设为内置',
      add_code: '添加状态码',
      save_strategies: '💾 保存配置',
      code_default: '其他状态码',
      net_connect_error: '连接被拒绝、DNS、TLS',
      net_connect_timeout: '连接超时',
      net_first_byte_timeout: '未及时收到响应头',
      net_idle_timeout: '数据流中断',
      net_reset: '连接被重置',
      net_default: '其他网络错误',
      health_note: '此标签页打开时每 5 秒刷新。',
      generated_at: '更新于 {t}',
      col_state: '状态',
      col_until: '冷却至',
      col_reason: '原因',
      col_counts: '失败 / 成功',
      col_last_error: '最近错误',
      col_scheduled: '在时段内',
      using_backup: '正在使用备用API',
      reset: '重置',
      reset_pool: '重置此列表',
      reset_everything: '重置全部',
      state_healthy: '正常', state_degraded: '降级', state_cooling: '冷却中', state_recovering: '恢复中',
      state_probing: '探测中', state_disabled: '已禁用',
      in_s: '{s}后',
      next_attempt: '下次 {t}',
      last_success: '上次成功 {t}',
      attempts_today: '今天 {n} 次尝试',
      recent_requests: '最近请求',
      col_time: '时间',
      col_pool: '列表',
      col_model: '模型',
      col_http: '状态码',
      col_attempts: '尝试',
      col_served_by: '服务方',
      col_upstream: '上游',
      col_client: '客户端',
      col_skipped: '跳过',
      col_trail: '过程',
      retry_nodes_title: '超时重试节点',
      budget_refusals: '因重试预算拒绝的重试：{n}',
      no_recent: '暂无请求。',
      poll_error: '状态刷新失败，{s} 秒后重试。',
      period_today: '当天', period_7d: '7天', period_30d: '30天', period_all: '全部', period_custom: '自定义',
      from: '从', to: '到', apply: '应用',
      refresh_stats: '🔄 刷新显示',
      clear_stats: '🗑️ 清空数据',
      confirm_clear_stats: '确定清空所有令牌统计？此操作无法撤销。',
      stats_cleared: '统计数据已清空。',
      c_requests: '总请求数', c_total: '总令牌数', c_input: '输入令牌', c_output: '输出令牌',
      c_cache_write: '缓存写入', c_cache_read: '缓存读取', c_usd: '费用（美元）', c_cny: '费用（{code}）',
      chart_tokens_day: '每日令牌', chart_cost_day: '每日费用（美元）', chart_tokens_model: '各模型令牌',
      by_model: '按模型', by_upstream: '按上游', by_client: '按客户端',
      col_requests: '请求数', col_total: '总计', col_input: '输入', col_output: '输出', col_cw: '缓存写入', col_cr: '缓存读取',
      col_usd: '美元', col_cny: '{code}',
      no_data: '此时间段没有数据。',
      stats_generated: '生成于 {t}',
      cost_estimate: '费用为按价格表估算。',
      unpriced: '以下模型没有价格（未计入费用）：{models}。',
      export_csv: '⬇ CSV',
      export_json: '⬇ JSON',
      ledger_unhealthy: '用量记录异常：已丢弃 {n} 条，排队 {q} 条，统计可能不完整。',
      open_standalone: '单独打开 ↗',
      back_to_admin: '← 管理页面',
    },
  };

  const LANG_KEY = 'switchyard.lang';
  const PERIOD_KEY = 'switchyard.stats.period';
  let lang = (() => {
    try {
      const v = localStorage.getItem(LANG_KEY);
      if (v === 'en' || v === 'zh') return v;
    } catch (_) { /* storage blocked */ }
    return (navigator.language || '').toLowerCase().startsWith('zh') ? 'zh' : 'en';
  })();

  function t(key, vars) {
    let s = (I18N[lang] && I18N[lang][key]) || I18N.en[key] || key;
    if (vars) for (const [k, v] of Object.entries(vars)) s = s.split(`{${k}}`).join(String(v));
    return s;
  }

  // ------------------------------------------------------------------------------------------
  // DOM helpers (text only)

  function h(tag, props, ...kids) {
    const el = document.createElement(tag);
    let value;
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        if (v === undefined || v === null || v === false) continue;
        if (k === 'class') el.className = v;
        else if (k === 'text') el.textContent = String(v);
        else if (k === 'dataset') Object.assign(el.dataset, v);
        else if (k === 'value') value = v;
        else if (k === 'checked' || k === 'disabled' || k === 'hidden' || k === 'selected' || k === 'required' || k === 'readOnly') el[k] = true;
        else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
        else if (k === 'style' || k === 'innerHTML' || k === 'outerHTML' || k.startsWith('on')) throw new Error('refusing ' + k);
        else el.setAttribute(k, v === true ? '' : String(v));
      }
    }
    append(el, kids);
    if (value !== undefined) el.value = String(value);
    return el;
  }

  function append(el, kids) {
    for (const kid of kids.flat(Infinity)) {
      if (kid === null || kid === undefined || kid === false) continue;
      el.appendChild(kid instanceof Node ? kid : document.createTextNode(String(kid)));
    }
    return el;
  }

  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  function btn(label, onclick, cls, extra) {
    return h('button', Object.assign({ type: 'button', class: 'btn ' + (cls || ''), onclick }, extra || {}), label);
  }

  function fmtInt(n) {
    const v = Number(n);
    if (!isFinite(v)) return '0';
    return Math.round(v).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-US');
  }
  function fmtUSD(n) { return '$' + (Number(n) || 0).toFixed(4); }
  function fmtMoney(n, code) {
    const v = (Number(n) || 0).toFixed(2);
    if (code === 'CNY') return '¥' + v;
    if (code === 'USD') return '$' + v;
    return v + ' ' + (code || '');
  }
  function fmtTime(iso) {
    if (!iso) return t('none');
    const d = new Date(iso);
    if (isNaN(d)) return String(iso);
    return d.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', { hour12: false });
  }
  function fmtClock(iso) {
    const d = new Date(iso);
    if (isNaN(d)) return String(iso || '');
    return d.toLocaleTimeString(lang === 'zh' ? 'zh-CN' : 'en-GB', { hour12: false });
  }
  function fmtDuration(ms) {
    let s = Math.max(0, Math.round(ms / 1000));
    const hh = Math.floor(s / 3600); s -= hh * 3600;
    const mm = Math.floor(s / 60); s -= mm * 60;
    if (hh) return `${hh}h${String(mm).padStart(2, '0')}m`;
    if (mm) return `${mm}m${String(s).padStart(2, '0')}s`;
    return `${s}s`;
  }

  // ------------------------------------------------------------------------------------------
  // toasts, saved indicator, confirm

  function toast(message, kind) {
    const el = h('div', { class: 'toast' + (kind ? ' toast-' + kind : ''), role: kind === 'error' ? 'alert' : 'status' }, message);
    $('#toasts').appendChild(el);
    setTimeout(() => el.remove(), kind === 'error' ? 6000 : 3000);
  }

  let savedTimer = null;
  function flashSaved() {
    const el = $('#saved-indicator');
    el.hidden = false;
    clearTimeout(savedTimer);
    savedTimer = setTimeout(() => { el.hidden = true; }, 2000);
  }

  function confirmDialog(message) {
    const dlg = $('#confirm');
    $('#confirm-text').textContent = message;
    return new Promise((resolve) => {
      const done = () => { dlg.removeEventListener('close', done); resolve(dlg.returnValue === 'ok'); };
      dlg.returnValue = 'cancel';
      dlg.addEventListener('close', done);
      dlg.showModal();
      $('#confirm-no').focus();
    });
  }

  // ------------------------------------------------------------------------------------------
  // API

  class ApiError extends Error {
    constructor(status, body, headers) {
      super(errorMessage(status, body));
      this.status = status;
      this.body = body;
      this.retryAfter = headers ? headers.get('Retry-After') : null;
      this.issues = (body && Array.isArray(body.issues)) ? body.issues : [];
    }
  }

  function errorMessage(status, body) {
    if (body && typeof body === 'object') {
      if (body.error && typeof body.error === 'object' && body.error.message) return String(body.error.message);
      if (typeof body.error === 'string') return body.error;
      if (body.message) return String(body.message);
    }
    if (typeof body === 'string' && body && body.length < 300) return body;
    return 'HTTP ' + status;
  }

  function quoteVersion(v) {
    if (v === undefined || v === null || v === '') return null;
    return String(v);
  }

  async function api(method, path, body, opts) {
    opts = opts || {};
    const headers = { Accept: 'application/json' };
    const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
    if (method !== 'GET' && method !== 'HEAD') {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body === undefined ? {} : body);
      const v = quoteVersion(opts.version);
      if (v) headers['If-Match'] = v;
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch (e) {
      const err = new ApiError(0, { error: { message: t('network_error') } });
      err.network = true;
      throw err;
    }
    const text = await res.text();
    let data = null;
    if (text) {
      try { data = JSON.parse(text); } catch (_) { data = text; }
    }
    if (res.status === 401 && !opts.allow401) {
      onUnauthorized();
      throw new ApiError(401, data, res.headers);
    }
    if (!res.ok) throw new ApiError(res.status, data, res.headers);
    const etag = res.headers.get('ETag');
    const version = etag || (data && typeof data === 'object' && !Array.isArray(data) && data.version !== undefined ? data.version : null);
    return { data, version, status: res.status };
  }

  // Shows what went wrong; returns true when the caller should reload its view.
  function reportError(e) {
    if (!(e instanceof ApiError)) {
      console.error(e);
      toast(String(e && e.message || e), 'error');
      return false;
    }
    if (e.status === 401) return false; // already back at the login screen
    if (e.status === 409 || e.status === 412) {
      toast(t('conflict'), 'error');
      return true;
    }
    if (e.status === 422 && e.issues.length) {
      toast(t('validation_failed') + ' ' + e.issues.map((i) => `${i.path}: ${i.message}`).join('; '), 'error');
      return false;
    }
    if (e.status === 404 || e.status === 405 || e.status === 501) {
      toast(t('request_failed', { status: e.status, message: e.message }), 'error');
      return false;
    }
    toast(e.network ? t('network_error') : t('request_failed', { status: e.status, message: e.message }), 'error');
    return false;
  }

  // ------------------------------------------------------------------------------------------
  // state

  // One page shell for both: /token-stats.html shows the statistics alone.
  const PAGE = location.pathname === '/token-stats.html' ? 'stats' : 'admin';
  document.body.dataset.page = PAGE;
  if (PAGE === 'stats') document.title = 'Switchyard · Token statistics';
  const POOLS = ['claude', 'codex', 'openai', 'retry_nodes'];
  const TABS = PAGE === 'stats' ? ['stats'] : ['claude', 'codex', 'openai', 'retry_nodes', 'rules', 'clients', 'settings', 'strategies', 'health', 'stats'];
  const RESET_ROUTE = { claude: '/api/reset-api-cooldown', codex: '/api/reset-codex-cooldown', openai: '/api/reset-openai-cooldown' };
  const NATURAL_FORMAT = { claude: 'anthropic', codex: 'openai-responses', openai: 'anthropic', retry_nodes: 'anthropic' };

  const S = {
    tab: null,
    seq: 0,
    loggedIn: false,
    pools: {},          // pool -> {list, version}
    rules: null,
    clients: null,
    settings: null,     // {data, version}
    timeZone: null,
    status: null,
    stats: { period: 'today', from: '', to: '', json: '' },
  };
  try {
    const p = JSON.parse(localStorage.getItem(PERIOD_KEY) || 'null');
    if (p && typeof p.period === 'string') Object.assign(S.stats, { period: p.period, from: p.from || '', to: p.to || '' });
  } catch (_) { /* ignore */ }

  // ------------------------------------------------------------------------------------------
  // language

  function applyLang() {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    for (const el of $$('[data-i18n]')) el.textContent = t(el.dataset.i18n);
    $('#lang-toggle').textContent = t('lang_button');
    $('#lang-toggle').setAttribute('aria-label', lang === 'zh' ? 'Switch to English' : '切换到中文');
    if (S.loggedIn) {
      renderTabs();
      rerender();
    }
  }

  function toggleLang() {
    lang = lang === 'zh' ? 'en' : 'zh';
    try { localStorage.setItem(LANG_KEY, lang); } catch (_) { /* ignore */ }
    applyLang();
  }

  // ------------------------------------------------------------------------------------------
  // login

  function showLogin(message) {
    S.loggedIn = false;
    stopPolling();
    closeModal();
    $('#app-view').hidden = true;
    $('#logout').hidden = true;
    $('#login-view').hidden = false;
    const err = $('#login-error');
    err.hidden = !message;
    err.textContent = message || '';
    const input = $('#login-token');
    input.value = '';
    input.focus();
  }

  function onUnauthorized() {
    if (S.loggedIn) showLogin(t('session_expired'));
  }

  async function submitLogin(ev) {
    ev.preventDefault();
    const token = $('#login-token').value.trim();
    const err = $('#login-error');
    if (!token) return;
    $('#login-submit').disabled = true;
    try {
      await api('POST', '/api/login', { token }, { allow401: true });
      $('#login-token').value = '';
      showApp();
    } catch (e) {
      let msg;
      if (e.status === 401 || e.status === 403) msg = t('login_wrong');
      else if (e.status === 429) msg = t('login_limited', { s: e.retryAfter || 60 });
      else if (e.status === 404 || e.status === 405) msg = t('login_unavailable', { status: e.status });
      else msg = e.network ? t('network_error') : t('request_failed', { status: e.status, message: e.message });
      err.textContent = msg;
      err.hidden = false;
      $('#login-token').select();
    } finally {
      $('#login-submit').disabled = false;
    }
  }

  async function logout() {
    try { await api('POST', '/api/logout', {}, { allow401: true }); } catch (_) { /* logged out anyway */ }
    S.pools = {};
    S.settings = null;
    showLogin();
  }

  async function checkSession() {
    try {
      const { data } = await api('GET', '/api/session', undefined, { allow401: true });
      if (data && typeof data === 'object') {
        for (const k of ['authenticated', 'logged_in', 'loggedIn', 'valid', 'ok']) {
          if (typeof data[k] === 'boolean') return data[k];
        }
      }
      return true;
    } catch (e) {
      if (e.status === 401 || e.status === 403) return false;
      if (e.status === 404) { showLogin(t('login_unavailable', { status: 404 })); return null; }
      showLogin(e.network ? t('network_error') : t('request_failed', { status: e.status, message: e.message }));
      return null;
    }
  }

  function showApp() {
    S.loggedIn = true;
    $('#login-view').hidden = true;
    $('#app-view').hidden = false;
    $('#logout').hidden = false;
    renderTabs();
    const fromHash = decodeURIComponent((location.hash || '').slice(1));
    showTab(TABS.includes(fromHash) ? fromHash : TABS[0]);
  }

  // ------------------------------------------------------------------------------------------
  // tabs and toolbar

  function renderTabs() {
    const nav = $('#tabs');
    if (PAGE === 'stats') {
      nav.replaceChildren(h('a', { class: 'tab', href: '/', id: 'back-to-admin' }, t('back_to_admin')),
        h('button', { type: 'button', class: 'tab', role: 'tab', 'aria-selected': 'true', dataset: { tab: 'stats' } }, t('tab_stats')));
      return;
    }
    nav.replaceChildren(...TABS.map((tab) => h('button', {
      type: 'button', class: 'tab', role: 'tab', id: 'tab-' + tab, dataset: { tab },
      'aria-selected': String(tab === S.tab), onclick: () => showTab(tab),
    }, t('tab_' + tab))));
  }

  function showTab(tab) {
    S.tab = tab;
    if (PAGE === 'admin' && location.hash !== '#' + tab) history.replaceState(null, '', '#' + tab);
    for (const b of $$('#tabs [data-tab]')) b.setAttribute('aria-selected', String(b.dataset.tab === tab));
    const isPool = POOLS.includes(tab);
    $('#btn-add').hidden = !(isPool || tab === 'rules' || tab === 'clients');
    $('#btn-reset-cooldown').hidden = !RESET_ROUTE[tab];
    $('#btn-reload').hidden = PAGE === 'stats';
    $('#btn-refresh').hidden = tab === 'stats';
    $('#toolbar-note').textContent = '';
    stopPolling();
    load(tab);
  }

  function rerender() {
    if (!S.tab) return;
    const tab = S.tab;
    if (POOLS.includes(tab) && S.pools[tab]) renderPool(tab);
    else if (tab === 'rules' && S.rules) renderRules();
    else if (tab === 'clients' && S.clients) renderClients();
    else if (tab === 'settings' && S.settings) renderSettings();
    else if (tab === 'strategies' && S.settings) renderStrategies();
    else if (tab === 'health' && S.status) renderHealth();
    else if (tab === 'stats' && S.stats.data) renderStats();
    else load(tab);
  }

  function setView(...nodes) {
    $('#view').replaceChildren(...nodes);
  }

  async function load(tab) {
    const seq = ++S.seq;
    const current = () => seq === S.seq && S.tab === tab && S.loggedIn;
    const view = $('#view');
    if (!view.firstChild || view.dataset.tab !== tab) setView(h('p', { class: 'muted' }, t('loading')));
    view.dataset.tab = tab;
    view.dataset.loading = '1';
    try {
      if (POOLS.includes(tab)) {
        const [res] = await Promise.all([api('GET', `/api/pools/${tab}`), ensureTimeZone()]);
        if (!current()) return;
        S.pools[tab] = { list: listOf(res.data, 'upstreams'), version: res.version };
        renderPool(tab);
      } else if (tab === 'rules') {
        const res = await api('GET', '/api/model-rules');
        if (!current()) return;
        S.rules = { list: listOf(res.data, 'model_rules', 'rules'), version: res.version };
        renderRules();
      } else if (tab === 'clients') {
        const res = await api('GET', '/api/clients');
        if (!current()) return;
        S.clients = { list: listOf(res.data, 'clients'), version: res.version };
        renderClients();
      } else if (tab === 'settings' || tab === 'strategies') {
        const res = await api('GET', '/api/settings');
        if (!current()) return;
        S.settings = { data: settingsOf(res.data), version: res.version };
        if (S.settings.data.time_zone) S.timeZone = S.settings.data.time_zone;
        if (tab === 'settings') renderSettings();
        else renderStrategies();
      } else if (tab === 'health') {
        await refreshHealth(true);
        if (!current()) return;
        startPolling();
      } else if (tab === 'stats') {
        await refreshStats(true);
        if (!current()) return;
        startPolling();
      }
    } catch (e) {
      if (!current()) return;
      reportError(e);
      if (e.status !== 401) {
        setView(h('div', { class: 'form-error', role: 'alert' }, t('request_failed', { status: e.status, message: e.message })));
      }
    } finally {
      if (seq === S.seq) delete view.dataset.loading;
    }
  }

  function listOf(data, ...keys) {
    if (Array.isArray(data)) return data;
    if (data && typeof data === 'object') {
      for (const k of keys.concat(['items', 'list'])) if (Array.isArray(data[k])) return data[k];
    }
    return [];
  }

  // GET/PUT /api/settings answer {"version", "settings": {…}} (a bare object is accepted too).
  function settingsOf(data) {
    if (data && typeof data === 'object' && data.settings && typeof data.settings === 'object') return data.settings;
    const copy = Object.assign({}, data || {});
    delete copy.version;
    return copy;
  }

  async function ensureTimeZone() {
    if (S.timeZone) return;
    try {
      const res = await api('GET', '/api/settings');
      S.settings = { data: settingsOf(res.data), version: res.version };
      S.timeZone = S.settings.data.time_zone || 'local';
    } catch (_) { /* not essential */ }
  }

  // ------------------------------------------------------------------------------------------
  // polling (health every 5 s, stats every 30 s) only while the tab and the page are visible

  const poll = { timer: null, delay: 0, failures: 0 };

  function pollInterval() { return S.tab === 'health' ? 5000 : 30000; }

  function startPolling() {
    stopPolling();
    if (!S.loggedIn || document.visibilityState !== 'visible') return;
    if (S.tab !== 'health' && S.tab !== 'stats') return;
    const base = pollInterval();
    const delay = poll.failures ? Math.min(60000, base * Math.pow(2, poll.failures)) : base;
    poll.timer = setTimeout(pollOnce, delay);
  }

  function stopPolling() {
    if (poll.timer) clearTimeout(poll.timer);
    poll.timer = null;
  }

  async function pollOnce() {
    poll.timer = null;
    const tab = S.tab;
    if (!S.loggedIn || document.visibilityState !== 'visible') return;
    try {
      if (tab === 'health') await refreshHealth(false);
      else if (tab === 'stats') await refreshStats(false);
      else return;
      poll.failures = 0;
      $('#toolbar-note').textContent = '';
    } catch (e) {
      if (e.status === 401) return;
      poll.failures = Math.min(poll.failures + 1, 6);
      const wait = Math.min(60000, pollInterval() * Math.pow(2, poll.failures));
      $('#toolbar-note').textContent = t('poll_error', { s: Math.round(wait / 1000) });
    }
    if (S.tab === tab) startPolling();
  }

  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') {
      if (S.loggedIn && (S.tab === 'health' || S.tab === 'stats')) {
        // refresh at once when coming back, then resume the normal rhythm
        stopPolling();
        pollOnce();
      }
    } else {
      stopPolling();
    }
  });

  // ------------------------------------------------------------------------------------------
  // modal

  let modalSave = null;

  function openModal(title, content, onSave, opts) {
    opts = opts || {};
    $('#modal-title').textContent = title;
    $('#modal-content').replaceChildren(...[].concat(content));
    clearModalErrors();
    modalSave = onSave;
    $('#modal-save').hidden = !onSave;
    $('#modal-save').textContent = t('save');
    $('#modal-cancel').textContent = onSave ? t('cancel') : t('close');
    const dlg = $('#modal');
    if (!dlg.open) dlg.showModal();
    const first = $('#modal-content input:not([type=checkbox]), #modal-content select');
    if (first && !opts.noFocus) first.focus();
  }

  function closeModal() {
    const dlg = $('#modal');
    modalSave = null;
    if (dlg.open) dlg.close();
  }

  function clearModalErrors() {
    const box = $('#modal-errors');
    box.hidden = true;
    box.replaceChildren();
    for (const f of $$('#modal-content .field.invalid')) f.classList.remove('invalid');
    for (const e of $$('#modal-content .field-error')) { e.textContent = ''; e.hidden = true; }
  }

  // issues: [{path, message}]; fields are matched by data-field against the path's tail.
  function showModalErrors(issues, generalMessage) {
    clearModalErrors();
    const general = [];
    for (const issue of issues) {
      const field = fieldForPath(String(issue.path || ''));
      if (field) {
        field.classList.add('invalid');
        const box = $('.field-error', field);
        if (box) {
          box.hidden = false;
          box.textContent = box.textContent ? box.textContent + ' ' + issue.message : String(issue.message);
        }
      } else {
        general.push(issue.path ? `${issue.path}: ${issue.message}` : String(issue.message));
      }
    }
    if (general.length || generalMessage) {
      const box = $('#modal-errors');
      box.hidden = false;
      box.replaceChildren(h('div', null, generalMessage || t('validation_failed')),
        general.length ? h('ul', null, general.map((g) => h('li', null, g))) : null);
    }
  }

  function fieldForPath(path) {
    // pools.claude[2].activation.time → activation.time; upstreams[0].hours[1] → hours
    let p = path.replace(/^\$\.?/, '').replace(/^(pools\.\w+|retry_nodes|upstreams|model_rules|clients)\[\d+\]\.?/, '');
    p = p.replace(/^\//, '').replace(/\//g, '.');
    const fields = $$('#modal-content [data-field]');
    while (p) {
      const exact = fields.find((f) => f.dataset.field === p);
      if (exact) return exact;
      const stripped = p.replace(/\[\d+\]$/, '');
      if (stripped !== p) { p = stripped; continue; }
      const dot = p.lastIndexOf('.');
      if (dot < 0) break;
      p = p.slice(0, dot);
    }
    return null;
  }

  async function submitModal(ev) {
    ev.preventDefault();
    if (!modalSave) { closeModal(); return; }
    const save = $('#modal-save');
    save.disabled = true;
    try {
      const ok = await modalSave();
      if (ok !== false) closeModal();
    } finally {
      save.disabled = false;
    }
  }

  // Field factory for modal forms.
  function field(key, label, input, help) {
    return h('label', { class: 'field', dataset: { field: key } },
      h('span', null, label), input,
      help ? h('span', { class: 'help' }, help) : null,
      h('span', { class: 'field-error', hidden: true }));
  }

  // ------------------------------------------------------------------------------------------
  // pools

  function roleBadge(role) {
    const backup = role === 'backup';
    return h('span', { class: 'badge ' + (backup ? 'badge-backup' : 'badge-primary'), dataset: { role: backup ? 'backup' : 'primary' } },
      t(backup ? 'role_backup' : 'role_primary'));
  }

  function weekdayChips(weekdays) {
    const days = Array.isArray(weekdays) && weekdays.length === 7 ? weekdays.map(Boolean) : [true, true, true, true, true, true, true];
    return h('span', { class: 'days' }, days.map((on, i) => h('span', { class: 'day' + (on ? '' : ' off'), title: on ? t('yes') : t('no') }, t('weekday_' + i))));
  }

  function renderPool(pool) {
    const { list } = S.pools[pool];
    const head = h('div', { class: 'section-head' },
      h('h2', null, t('tab_' + pool)),
      h('span', { class: 'muted' }, t('schedule_tz', { tz: S.timeZone || 'local' })));
    const note = h('p', { class: 'note' }, t('pool_note_' + pool));
    if (!list.length) {
      setView(head, note, h('div', { class: 'card empty' }, t('no_upstreams')));
      return;
    }
    const rows = list.map((u, i) => poolRow(pool, u, i, list.length));
    setView(head, note, h('div', { class: 'table-wrap' },
      h('table', { class: 'pool-table', dataset: { pool } },
        h('thead', null, h('tr', null,
          [t('col_priority'), t('col_name'), t('col_status'), t('col_endpoint'), t('col_key'), t('col_schedule'), t('col_activation'), t('col_actions')]
            .map((c) => h('th', null, c)))),
        h('tbody', null, rows))));
  }

  function poolRow(pool, u, i, n) {
    const enabled = u.enabled !== false;
    const act = u.activation && u.activation.enabled ? u.activation : null;
    const hours = Array.isArray(u.hours) && u.hours.length ? u.hours.join(', ') : t('all_day');
    const action = (name, label, fn, opts) => btn(label, fn, 'btn-sm ' + ((opts && opts.cls) || ''),
      { dataset: { action: name }, title: (opts && opts.title) || label, disabled: opts && opts.disabled, 'aria-label': (opts && opts.title) || label });
    return h('tr', { class: enabled ? '' : 'row-disabled', dataset: { index: String(i), name: String(u.name || '') } },
      h('td', null, h('div', { class: 'cell-stack' },
        h('span', { class: 'badge badge-priority', dataset: { priority: String(i + 1) } }, '#' + (i + 1)),
        pool === 'retry_nodes' ? null : roleBadge(u.role))),
      h('td', null, h('div', { class: 'cell-stack' },
        h('strong', { class: 'up-name break' }, u.name || t('none')),
        h('span', { class: 'muted mono' }, [u.format, u.auth].filter(Boolean).join(' · ')))),
      h('td', null, h('span', { class: 'badge ' + (enabled ? 'badge-ok' : 'badge-off'), dataset: { enabled: String(enabled) } }, t(enabled ? 'enabled' : 'disabled'))),
      h('td', null, h('div', { class: 'cell-stack' },
        h('span', { class: 'mono break' }, '🔗 ' + (u.base_url || '')),
        u.proxy ? h('span', { class: 'muted mono break' }, 'proxy ' + u.proxy) : null,
        u.ca_file ? h('span', { class: 'muted mono break' }, 'CA ' + u.ca_file) : null)),
      h('td', null, h('span', { class: 'mono key-masked' }, '🔑 ' + (u.key || ''))),
      h('td', null, h('div', { class: 'cell-stack' }, h('span', null, '⏰ ', weekdayChips(u.weekdays)), h('span', { class: 'muted' }, hours))),
      h('td', null, act ? h('span', { class: 'activation' }, t('activation_at', { time: act.time || '' })) : h('span', { class: 'muted' }, t('none'))),
      h('td', { class: 'actions' },
        action('toggle', enabled ? t('disable') : t('enable'), () => poolAction(pool, i, 'toggle')),
        action('edit', t('edit'), () => openUpstreamEditor(pool, i)),
        action('up', '↑', () => poolAction(pool, i, 'move', { direction: 'up' }), { title: t('move_up'), disabled: i === 0 }),
        action('down', '↓', () => poolAction(pool, i, 'move', { direction: 'down' }), { title: t('move_down'), disabled: i === n - 1 }),
        action('top', '⤒', () => poolAction(pool, i, 'move', { direction: 'top' }), { title: t('move_top'), disabled: i === 0 }),
        action('bottom', '⤓', () => poolAction(pool, i, 'move', { direction: 'bottom' }), { title: t('move_bottom'), disabled: i === n - 1 }),
        action('duplicate', t('duplicate'), () => poolAction(pool, i, 'duplicate')),
        action('delete', t('delete'), () => deleteUpstream(pool, i, u.name), { cls: 'btn-danger' })));
  }

  async function mutate(fn, reload) {
    try {
      await fn();
      flashSaved();
    } catch (e) {
      reportError(e);
    }
    if (reload) await reload();
  }

  function poolAction(pool, index, action, body) {
    const version = S.pools[pool] && S.pools[pool].version;
    return mutate(() => api('POST', `/api/pools/${pool}/${index}/${action}`, body || {}, { version }), () => load(pool));
  }

  async function deleteUpstream(pool, index, name) {
    if (!(await confirmDialog(t('confirm_delete', { name: name || '#' + (index + 1) })))) return;
    const version = S.pools[pool] && S.pools[pool].version;
    await mutate(() => api('DELETE', `/api/pools/${pool}/${index}`, undefined, { version }), () => load(pool));
  }

  function select(name, options, value) {
    return h('select', { name, value }, options.map(([v, label]) => h('option', { value: v }, label)));
  }

  function hoursEditor(hours) {
    const list = h('div', { class: 'hours-list' });
    const addRow = (value) => {
      const input = h('input', { type: 'text', name: 'hours', value: value || '', placeholder: '09:00-18:00', pattern: '\\d{2}:\\d{2}-\\d{2}:\\d{2}', inputmode: 'numeric', 'aria-label': t('f_hours') });
      const row = h('div', { class: 'hours-item' }, input, btn(t('remove'), () => row.remove(), 'btn-sm btn-ghost', { dataset: { action: 'remove-hours' } }));
      list.appendChild(row);
      return input;
    };
    (hours || []).forEach((w) => addRow(w));
    return h('div', { class: 'hours-box' }, list, btn(t('add_window'), () => addRow('').focus(), 'btn-sm', { dataset: { action: 'add-hours' } }));
  }

  const HOURS_RE = /^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/;
  const TIME_RE = /^([01]\d|2[0-3]):[0-5]\d$/;

  function openUpstreamEditor(pool, index) {
    const editing = index !== null && index !== undefined;
    const u = editing ? S.pools[pool].list[index] : null;
    const fmt = (u && u.format) || NATURAL_FORMAT[pool];
    const auth = (u && u.auth) || (fmt === 'anthropic' ? 'x-api-key' : 'bearer');
    const act = (u && u.activation) || {};
    const weekdays = u && Array.isArray(u.weekdays) && u.weekdays.length === 7 ? u.weekdays.map(Boolean) : [true, true, true, true, true, true, true];

    const nameInput = h('input', { type: 'text', name: 'name', value: (u && u.name) || '', autocomplete: 'off' });
    const urlInput = h('input', { type: 'url', name: 'base_url', value: (u && u.base_url) || '', placeholder: fmt === 'anthropic' ? 'https://api.anthropic.com' : 'https://api.openai.com/v1', autocomplete: 'off', required: true });
    const keyInput = h('input', { type: 'password', name: 'key', value: '', autocomplete: 'new-password', placeholder: editing ? (u.key || '****') : 'sk-…', required: !editing });
    const formatSel = select('format', [['anthropic', 'anthropic'], ['openai-responses', 'openai-responses'], ['openai-chat', 'openai-chat']], fmt);
    const authSel = select('auth', [['x-api-key', 'x-api-key'], ['bearer', 'Authorization: Bearer']], auth);
    const roleSel = select('role', [['primary', t('role_primary')], ['backup', t('role_backup')]], (u && u.role) || 'primary');
    const enabledBox = h('input', { type: 'checkbox', name: 'enabled', checked: !u || u.enabled !== false });
    const dayBoxes = weekdays.map((on, i) => h('input', { type: 'checkbox', name: 'weekday', value: String(i), checked: on }));
    const hours = hoursEditor(u && u.hours);
    const actEnabled = h('input', { type: 'checkbox', name: 'activation_enabled', checked: !!act.enabled });
    const actTime = h('input', { type: 'time', name: 'activation_time', value: act.time || '08:00' });
    const actModel = h('input', { type: 'text', name: 'activation_model', value: act.model || '', autocomplete: 'off' });
    const actPrompt = h('input', { type: 'text', name: 'activation_prompt', value: act.prompt || '', autocomplete: 'off' });
    const proxyInput = h('input', { type: 'text', name: 'proxy', value: (u && u.proxy) || '', placeholder: 'socks5://127.0.0.1:1080', autocomplete: 'off' });
    const caInput = h('input', { type: 'text', name: 'ca_file', value: (u && u.ca_file) || '', autocomplete: 'off' });

    const content = [
      h('div', { class: 'field-row' },
        field('name', t('f_name'), nameInput),
        field('role', t('f_role'), roleSel)),
      field('base_url', t('f_base_url'), urlInput, t('f_base_url_help')),
      field('key', t('f_key'), keyInput, editing ? t('f_key_help_edit', { masked: u.key || '****' }) : t('f_key_help_new')),
      h('div', { class: 'field-row' },
        field('format', t('f_format'), formatSel),
        field('auth', t('f_auth'), authSel),
        h('div', { class: 'field', dataset: { field: 'enabled' } }, h('span', null, t('f_enabled')), h('label', { class: 'check' }, enabledBox, t('enable')), h('span', { class: 'field-error', hidden: true }))),
      h('div', { class: 'field', dataset: { field: 'weekdays' } },
        h('span', null, t('f_weekdays')),
        h('div', { class: 'checks weekdays' }, dayBoxes.map((b, i) => h('label', { class: 'check' }, b, t('weekday_' + i)))),
        h('span', { class: 'field-error', hidden: true })),
      h('div', { class: 'field', dataset: { field: 'hours' } }, h('span', null, t('f_hours')), hours, h('span', { class: 'help' }, t('f_hours_help')), h('span', { class: 'field-error', hidden: true })),
      h('fieldset', { class: 'fieldset' }, h('legend', null, t('f_activation')),
        h('div', { class: 'field', dataset: { field: 'activation.enabled' } }, h('label', { class: 'check' }, actEnabled, t('f_activation_enabled')), h('span', { class: 'field-error', hidden: true })),
        h('div', { class: 'field-row' },
          field('activation.time', t('f_activation_time'), actTime),
          field('activation.model', t('f_activation_model'), actModel),
          field('activation.prompt', t('f_activation_prompt'), actPrompt)),
        h('p', { class: 'help' }, t('f_activation_help'))),
      h('div', { class: 'field-row' },
        field('proxy', t('f_proxy'), proxyInput, t('f_proxy_help')),
        field('ca_file', t('f_ca_file'), caInput, t('f_ca_file_help'))),
    ];
    // keep the auth default in step with the format while the user has not chosen one
    let authTouched = editing;
    authSel.addEventListener('change', () => { authTouched = true; });
    formatSel.addEventListener('change', () => { if (!authTouched) authSel.value = formatSel.value === 'anthropic' ? 'x-api-key' : 'bearer'; });

    openModal(editing ? t('edit_upstream') + ' · ' + (u.name || '') : t('add_upstream') + ' · ' + t('tab_' + pool), content, async () => {
      const issues = [];
      const baseURL = urlInput.value.trim();
      if (!baseURL) issues.push({ path: 'base_url', message: t('err_required') });
      else if (!/^https?:\/\//i.test(baseURL)) issues.push({ path: 'base_url', message: t('err_url') });
      const key = keyInput.value.trim();
      if (!editing && !key) issues.push({ path: 'key', message: t('err_required') });
      const windows = $$('input[name=hours]', hours).map((i) => i.value.trim()).filter(Boolean);
      windows.forEach((w, i) => { if (!HOURS_RE.test(w)) issues.push({ path: `hours[${i}]`, message: t('err_hours') + ' (' + w + ')' }); });
      if (actEnabled.checked && !TIME_RE.test(actTime.value)) issues.push({ path: 'activation.time', message: t('err_time') });
      if (issues.length) { showModalErrors(issues); return false; }

      const entry = {
        name: nameInput.value.trim(),
        base_url: baseURL,
        format: formatSel.value,
        auth: authSel.value,
        role: roleSel.value,
        enabled: enabledBox.checked,
        weekdays: dayBoxes.map((b) => b.checked),
        hours: windows,
      };
      if (key) entry.key = key;
      if (!entry.name) delete entry.name;
      const activation = { enabled: actEnabled.checked, time: actTime.value || '08:00' };
      if (actModel.value.trim()) activation.model = actModel.value.trim();
      if (actPrompt.value.trim()) activation.prompt = actPrompt.value;
      if (activation.enabled || (u && u.activation)) entry.activation = activation;
      const proxy = proxyInput.value.trim();
      const ca = caInput.value.trim();
      if (proxy) entry.proxy = proxy; else if (u && u.proxy) entry.proxy = null;
      if (ca) entry.ca_file = ca; else if (u && u.ca_file) entry.ca_file = null;

      const version = S.pools[pool] && S.pools[pool].version;
      try {
        if (editing) await api('PUT', `/api/pools/${pool}/${index}`, entry, { version });
        else await api('POST', `/api/pools/${pool}`, entry, { version });
      } catch (e) {
        if (e.status === 422) { showModalErrors(e.issues, e.issues.length ? null : e.message); return false; }
        if (e.status === 409 || e.status === 412) { toast(t('conflict'), 'error'); closeModal(); await load(pool); return false; }
        if (e.status === 401) return false;
        showModalErrors([], t('request_failed', { status: e.status, message: e.message }));
        return false;
      }
      keyInput.value = '';
      flashSaved();
      toast(t('saved'), 'ok');
      closeModal();
      await load(pool);
      return true;
    });
  }

  // ------------------------------------------------------------------------------------------
  // model rules

  function renderRules() {
    const list = S.rules.list;
    const head = h('div', { class: 'section-head' }, h('h2', null, t('tab_rules')));
    const note = h('p', { class: 'note' }, t('rules_note'));
    if (!list.length) { setView(head, note, h('div', { class: 'card empty' }, t('no_rules'))); return; }
    const n = list.length;
    const rows = list.map((r, i) => {
      const enabled = r.enabled !== false;
      const a = (name, label, fn, opts) => btn(label, fn, 'btn-sm ' + ((opts && opts.cls) || ''), { dataset: { action: name }, title: (opts && opts.title) || label, disabled: opts && opts.disabled });
      return h('tr', { class: enabled ? '' : 'row-disabled', dataset: { index: String(i), name: String(r.name || '') } },
        h('td', null, h('span', { class: 'badge badge-priority' }, '#' + (i + 1))),
        h('td', null, h('strong', { class: 'break' }, r.name || t('none'))),
        h('td', { class: 'mono break rule-source' }, r.source || ''),
        h('td', { class: 'mono break rule-target' }, r.target || ''),
        h('td', null, t('match_' + (r.match || 'exact'))),
        h('td', null, h('span', { class: 'badge ' + (enabled ? 'badge-ok' : 'badge-off') }, t(enabled ? 'enabled' : 'disabled'))),
        h('td', { class: 'actions' },
          a('toggle', enabled ? t('disable') : t('enable'), () => ruleAction(i, 'toggle')),
          a('edit', t('edit'), () => openRuleEditor(i)),
          a('up', '↑', () => ruleAction(i, 'move', { direction: 'up' }), { title: t('move_up'), disabled: i === 0 }),
          a('down', '↓', () => ruleAction(i, 'move', { direction: 'down' }), { title: t('move_down'), disabled: i === n - 1 }),
          a('top', '⤒', () => ruleAction(i, 'move', { direction: 'top' }), { title: t('move_top'), disabled: i === 0 }),
          a('bottom', '⤓', () => ruleAction(i, 'move', { direction: 'bottom' }), { title: t('move_bottom'), disabled: i === n - 1 }),
          a('delete', t('delete'), () => deleteRule(i, r.name || r.source), { cls: 'btn-danger' })));
    });
    setView(head, note, h('div', { class: 'table-wrap' }, h('table', { class: 'rules-table' },
      h('thead', null, h('tr', null, [t('col_priority'), t('col_name'), t('col_source'), t('col_target'), t('col_match'), t('col_status'), t('col_actions')].map((c) => h('th', null, c)))),
      h('tbody', null, rows))));
  }

  function ruleAction(i, action, body) {
    return mutate(() => api('POST', `/api/model-rules/${i}/${action}`, body || {}, { version: S.rules.version }), () => load('rules'));
  }

  async function deleteRule(i, name) {
    if (!(await confirmDialog(t('confirm_delete', { name })))) return;
    await mutate(() => api('DELETE', `/api/model-rules/${i}`, undefined, { version: S.rules.version }), () => load('rules'));
  }

  function openRuleEditor(index) {
    const editing = index !== null && index !== undefined;
    const r = editing ? S.rules.list[index] : {};
    const name = h('input', { type: 'text', name: 'name', value: r.name || '', autocomplete: 'off' });
    const source = h('input', { type: 'text', name: 'source', value: r.source || '', placeholder: 'claude-3-5-haiku-20241022', autocomplete: 'off' });
    const target = h('input', { type: 'text', name: 'target', value: r.target || '', placeholder: 'claude-haiku-4-5', autocomplete: 'off' });
    const match = select('match', [['exact', t('match_exact')], ['prefix', t('match_prefix')], ['glob', t('match_glob')]], r.match || 'exact');
    const enabled = h('input', { type: 'checkbox', name: 'enabled', checked: r.enabled !== false });
    openModal(editing ? t('edit_rule') : t('add_rule'), [
      field('name', t('f_name'), name),
      h('div', { class: 'field-row' }, field('source', t('f_source'), source), field('target', t('f_target'), target)),
      h('div', { class: 'field-row' }, field('match', t('f_match'), match),
        h('div', { class: 'field', dataset: { field: 'enabled' } }, h('span', null, t('f_enabled')), h('label', { class: 'check' }, enabled, t('enable')))),
    ], async () => {
      const issues = [];
      if (!source.value.trim()) issues.push({ path: 'source', message: t('err_required') });
      if (!target.value.trim()) issues.push({ path: 'target', message: t('err_required') });
      if (issues.length) { showModalErrors(issues); return false; }
      const body = { name: name.value.trim(), source: source.value.trim(), target: target.value.trim(), match: match.value, enabled: enabled.checked };
      try {
        if (editing) await api('PUT', `/api/model-rules/${index}`, body, { version: S.rules.version });
        else await api('POST', '/api/model-rules', body, { version: S.rules.version });
      } catch (e) {
        if (e.status === 422) { showModalErrors(e.issues, e.issues.length ? null : e.message); return false; }
        if (e.status === 409 || e.status === 412) { toast(t('conflict'), 'error'); closeModal(); await load('rules'); return false; }
        if (e.status !== 401) showModalErrors([], t('request_failed', { status: e.status, message: e.message }));
        return false;
      }
      flashSaved();
      closeModal();
      await load('rules');
      return true;
    });
  }

  // ------------------------------------------------------------------------------------------
  // clients

  function renderClients() {
    const list = S.clients.list;
    const head = h('div', { class: 'section-head' }, h('h2', null, t('tab_clients')));
    const note = h('p', { class: 'note' }, t('clients_note'));
    if (!list.length) { setView(head, note, h('div', { class: 'card empty' }, t('no_clients'))); return; }
    const rows = list.map((c, i) => h('tr', { dataset: { index: String(i), name: String(c.name || '') } },
      h('td', null, '#' + (i + 1)),
      h('td', null, h('strong', { class: 'break' }, c.name || t('none'))),
      h('td', { class: 'mono key-masked' }, '🔑 ' + (c.key || '')),
      h('td', { class: 'actions' }, btn(t('delete'), () => deleteClient(i, c.name), 'btn-sm btn-danger', { dataset: { action: 'delete' } }))));
    setView(head, note, h('div', { class: 'table-wrap' }, h('table', { class: 'clients-table' },
      h('thead', null, h('tr', null, ['#', t('col_name'), t('col_key'), t('col_actions')].map((c) => h('th', null, c)))),
      h('tbody', null, rows))));
  }

  async function deleteClient(i, name) {
    if (!(await confirmDialog(t('confirm_delete', { name: name || '#' + (i + 1) })))) return;
    await mutate(() => api('DELETE', `/api/clients/${i}`, undefined, { version: S.clients.version }), () => load('clients'));
  }

  function openClientEditor() {
    const name = h('input', { type: 'text', name: 'name', autocomplete: 'off', placeholder: 'laptop' });
    const key = h('input', { type: 'password', name: 'key', autocomplete: 'new-password' });
    openModal(t('add_client'), [field('name', t('f_name'), name), field('key', t('f_client_key'), key, t('f_client_key_help'))], async () => {
      const body = {};
      if (name.value.trim()) body.name = name.value.trim();
      if (key.value.trim()) body.key = key.value.trim();
      let res;
      try {
        res = await api('POST', '/api/clients', body, { version: S.clients && S.clients.version });
      } catch (e) {
        if (e.status === 422) { showModalErrors(e.issues, e.issues.length ? null : e.message); return false; }
        if (e.status === 409 || e.status === 412) { toast(t('conflict'), 'error'); closeModal(); await load('clients'); return false; }
        if (e.status !== 401) showModalErrors([], t('request_failed', { status: e.status, message: e.message }));
        return false;
      }
      key.value = '';
      flashSaved();
      const d = res.data || {};
      const shown = d.key || (d.client && d.client.key) || null;
      await load('clients');
      if (shown && !body.key) {
        const out = h('input', { type: 'text', readOnly: true, value: shown, id: 'new-client-key', 'aria-label': t('new_client_key') });
        openModal(t('new_client_key'), [
          h('p', { class: 'note' }, t('new_client_key_help')),
          h('div', { class: 'secret-box' }, out, btn(t('copy'), async () => {
            out.select();
            try { await navigator.clipboard.writeText(shown); toast(t('copied'), 'ok'); } catch (_) { document.execCommand && document.execCommand('copy'); }
          }, 'btn')),
        ], null, { noFocus: true });
        out.select();
        // forget the key when the dialog closes
        $('#modal').addEventListener('close', () => { out.value = ''; }, { once: true });
        return false;
      }
      return true;
    });
  }

  // ------------------------------------------------------------------------------------------
  // settings (timeouts, health, retry, time zone, proxy, server)

  const SETTINGS_GROUPS = [
    { id: 'timeouts', title: 'g_timeouts', fields: [
      ['timeouts.connect', 's_connect', 10, 0.1], ['timeouts.first_byte', 's_first_byte', 120, 0.1],
      ['timeouts.idle', 's_idle', 300, 0.1], ['timeouts.total', 's_total', 600, 0.1]] },
    { id: 'health', title: 'g_health', fields: [
      ['health.error_threshold', 's_error_threshold', 3, 1, true], ['health.cooldown_seconds', 's_cooldown_seconds', 30, 0.1],
      ['health.cooldown_max_seconds', 's_cooldown_max_seconds', 600, 0.1], ['health.primary_check_interval', 's_primary_check_interval', 30, 0.1],
      ['health.retry_after_cap_seconds', 's_retry_after_cap_seconds', 3600, 0.1], ['health.overload_cooldown_seconds', 's_overload_cooldown_seconds', 5, 0.1]] },
    { id: 'retry', title: 'g_retry', fields: [
      ['retry.max_attempts', 's_max_attempts', 3, 1, true], ['retry.same_upstream_retries', 's_same_upstream_retries', 2, 1, true, 0],
      ['retry.backoff_base_ms', 's_backoff_base_ms', 500, 1], ['retry.backoff_cap_ms', 's_backoff_cap_ms', 8000, 1],
      ['retry.deadline_seconds', 's_deadline_seconds', 600, 0.1], ['retry.budget_ratio', 's_budget_ratio', 0.2, 0.05, false, 0],
      ['retry.budget_min_concurrent', 's_budget_min_concurrent', 3, 1, true, 0]] },
    { id: 'admin', title: 'g_admin', fields: [
      ['admin.session_ttl_seconds', 's_session_ttl_seconds', 43200, 1], ['admin.session_idle_seconds', 's_session_idle_seconds', 7200, 1],
      ['admin.allowed_hosts', 's_allowed_hosts', '', 'list']] },
    { id: 'server', title: 'g_server', fields: [
      ['server.host', 's_host', '127.0.0.1', null], ['server.port', 's_port', 5101, 1, true, 0], ['server.max_body_bytes', 's_max_body_bytes', 33554432, 1, true, 1024]] },
  ];
  const TIMEOUT_KEYS = ['connect', 'first_byte', 'idle', 'total'];

  function getPath(obj, path) {
    return path.split('.').reduce((o, k) => (o && typeof o === 'object' ? o[k] : undefined), obj);
  }
  function setPath(obj, path, value) {
    const parts = path.split('.');
    let o = obj;
    for (const k of parts.slice(0, -1)) {
      if (!o[k] || typeof o[k] !== 'object') o[k] = {};
      o = o[k];
    }
    if (value === undefined) delete o[parts[parts.length - 1]];
    else o[parts[parts.length - 1]] = value;
  }

  let settingsTimer = null;
  let settingsSaving = Promise.resolve();

  function renderSettings() {
    const d = S.settings.data;
    const form = h('form', { id: 'settings-form', class: 'view', novalidate: true, onsubmit: (ev) => { ev.preventDefault(); queueSettingsSave(0); } });

    // general
    const tzList = h('datalist', { id: 'tz-list' });
    let zones = ['local', 'UTC', 'Asia/Shanghai', 'Asia/Tokyo', 'Asia/Singapore', 'Europe/London', 'Europe/Berlin', 'America/New_York', 'America/Los_Angeles'];
    try { if (Intl.supportedValuesOf) zones = ['local'].concat(Intl.supportedValuesOf('timeZone')); } catch (_) { /* old browser */ }
    append(tzList, zones.map((z) => h('option', { value: z })));
    const general = h('fieldset', { class: 'fieldset settings-group', dataset: { group: 'general' } }, h('legend', null, t('g_general')),
      h('div', { class: 'fields' },
        settingsField('time_zone', t('s_time_zone'), h('input', { type: 'text', name: 'time_zone', list: 'tz-list', value: d.time_zone || '', placeholder: 'local', autocomplete: 'off' }), t('s_time_zone_help')),
        settingsField('proxy', t('s_proxy'), h('input', { type: 'text', name: 'proxy', value: d.proxy || '', placeholder: 'http://127.0.0.1:7890', autocomplete: 'off' }), t('s_proxy_help'))),
      tzList);
    form.appendChild(general);

    for (const g of SETTINGS_GROUPS) {
      const fields = g.fields.map(([path, label, def, step, integer, min]) => {
        const v = getPath(d, path);
        const input = step === 'list'
          ? h('input', { type: 'text', name: path, value: Array.isArray(v) ? v.join(', ') : '', placeholder: 'relay.example.com', autocomplete: 'off', dataset: { list: '1' } })
          : step === null
          ? h('input', { type: 'text', name: path, value: v === undefined || v === null ? '' : v, placeholder: String(def), autocomplete: 'off' })
          : h('input', { type: 'number', name: path, step: String(step), min: String(min === undefined ? 0 : min), value: v === undefined || v === null ? '' : v, placeholder: String(def), dataset: { integer: integer ? '1' : '', min: String(min === undefined ? 0 : min), positive: min === undefined ? '1' : '' } });
        return settingsField(path, t(label), input, t(label + '_help') + (def === '' ? '' : ' · ' + t('default_is', { v: def })));
      });
      form.appendChild(h('fieldset', { class: 'fieldset settings-group', dataset: { group: g.id } }, h('legend', null, t(g.title)), h('div', { class: 'fields' }, fields)));
      if (g.id === 'timeouts') {
        form.appendChild(overrideTable('pools', ['claude', 'codex', 'openai'], (p) => getPath(d, `timeouts.pools.${p}`) || {}));
        form.appendChild(overrideTable('retry_nodes', ['retry_nodes'], () => getPath(d, 'timeouts.retry_nodes') || {}));
      }
    }

    form.appendChild(h('div', { class: 'settings-actions' },
      h('button', { type: 'submit', class: 'btn btn-primary', id: 'settings-save' }, t('save')),
      btn(t('reset_to_current'), () => load('settings'), '', { id: 'settings-reset' }),
      h('span', { id: 'settings-errors', class: 'field-error', hidden: true })));

    form.addEventListener('change', () => queueSettingsSave(500));
    setView(h('div', { class: 'section-head' }, h('h2', null, t('tab_settings')), h('span', { class: 'muted' }, t('settings_note'))), form);
  }

  function settingsField(path, label, input, help) {
    return h('label', { class: 'field', dataset: { field: path } }, h('span', null, label), input,
      help ? h('span', { class: 'help' }, help) : null, h('span', { class: 'field-error', hidden: true }));
  }

  function overrideTable(kind, rows, get) {
    const title = kind === 'pools' ? t('g_pool_timeouts') : t('g_retry_node_timeouts');
    const table = h('table', { class: 'override-table' },
      h('thead', null, h('tr', null, h('th', null, t('pool_col')), TIMEOUT_KEYS.map((k) => h('th', null, t('s_' + k))))),
      h('tbody', null, rows.map((p) => {
        const o = get(p);
        return h('tr', null, h('td', null, kind === 'pools' ? t('tab_' + p) : t('tab_retry_nodes')),
          TIMEOUT_KEYS.map((k) => {
            const path = kind === 'pools' ? `timeouts.pools.${p}.${k}` : `timeouts.retry_nodes.${k}`;
            return h('td', null, h('label', { class: 'field', dataset: { field: path } },
              h('input', { type: 'number', name: path, step: '0.1', min: '0', value: o[k] === undefined || o[k] === null ? '' : o[k], dataset: { optional: '1', positive: '1', min: '0' }, 'aria-label': `${p} ${k}` }),
              h('span', { class: 'field-error', hidden: true })));
          }));
      })));
    return h('fieldset', { class: 'fieldset settings-group', dataset: { group: 'timeouts-' + kind } }, h('legend', null, title), h('div', { class: 'table-wrap' }, table));
  }

  const SETTINGS_SECTIONS = ['time_zone', 'proxy', 'server', 'timeouts', 'health', 'retry'];

  // The sections this tab edits, whole (the API merges each section one level deep, so nested
  // objects such as timeouts.pools are replaced and a removed override really goes away).
  // An empty field means "back to the default": null at section level, left out deeper down.
  function collectSettings() {
    const form = $('#settings-form');
    const current = S.settings.data || {};
    const body = {};
    for (const k of SETTINGS_SECTIONS) {
      const v = current[k];
      body[k] = v && typeof v === 'object' ? JSON.parse(JSON.stringify(v)) : (v === undefined ? null : v);
      if (k !== 'time_zone' && k !== 'proxy' && (body[k] === null || typeof body[k] !== 'object')) body[k] = {};
    }
    body.admin = {}; // only the fields shown here; the token hash is never sent back
    const issues = [];
    for (const input of $$('input[name]', form)) {
      const path = input.name;
      const raw = input.value.trim();
      const depth = path.split('.').length;
      if (input.type === 'number') {
        if (raw === '') {
          setPath(body, path, depth <= 2 ? null : undefined);
          continue;
        }
        const v = Number(raw);
        const min = Number(input.dataset.min || 0);
        if (!isFinite(v) || v < min || (input.dataset.positive && v <= 0) || (input.dataset.integer && !Number.isInteger(v))) {
          issues.push({ path, message: t('err_number', { min: input.dataset.positive ? '> 0' : min }) });
          continue;
        }
        setPath(body, path, v);
      } else if (input.dataset.list) {
        setPath(body, path, raw.split(/[\s,]+/).filter(Boolean));
      } else if (path === 'time_zone' || path === 'proxy') {
        body[path] = raw === '' ? null : raw;
      } else {
        setPath(body, path, raw === '' ? null : raw);
      }
    }
    // drop empty override objects
    const pools = getPath(body, 'timeouts.pools');
    if (pools && typeof pools === 'object') for (const p of Object.keys(pools)) if (pools[p] && !Object.keys(pools[p]).length) delete pools[p];
    return { body, issues };
  }

  function showFormIssues(root, issues, generalBox) {
    for (const f of $$('.field.invalid', root)) f.classList.remove('invalid');
    for (const e of $$('.field-error', root)) { e.textContent = ''; e.hidden = true; }
    const general = [];
    for (const issue of issues) {
      const path = String(issue.path || '').replace(/^settings\./, '');
      let f = $$('[data-field]', root).find((el) => el.dataset.field === path);
      if (!f) {
        // nearest ancestor path (timeouts.pools.codex → the first field under it)
        f = $$('[data-field]', root).find((el) => el.dataset.field.startsWith(path + '.'));
      }
      if (f) {
        f.classList.add('invalid');
        const box = $('.field-error', f);
        box.hidden = false;
        box.textContent = String(issue.message);
      } else general.push(`${issue.path}: ${issue.message}`);
    }
    if (generalBox) {
      generalBox.hidden = !general.length;
      generalBox.textContent = general.join('; ');
    }
    const firstBad = $('.field.invalid input, .field.invalid select', root);
    if (firstBad) firstBad.focus();
  }

  function queueSettingsSave(delay) {
    clearTimeout(settingsTimer);
    settingsTimer = setTimeout(() => {
      settingsSaving = settingsSaving.then(saveSettings, saveSettings);
    }, delay);
  }

  async function saveSettings() {
    const form = $('#settings-form');
    if (!form || !S.settings) return;
    const { body, issues } = collectSettings();
    if (issues.length) { showFormIssues(form, issues, $('#settings-errors')); return; }
    await putSettings(body, form, $('#settings-errors'), 'settings');
  }

  async function putSettings(body, form, errorsBox, tab) {
    try {
      const res = await api('PUT', '/api/settings', body, { version: S.settings.version });
      showFormIssues(form, [], errorsBox);
      const echoed = settingsOf(res.data);
      if (echoed && (echoed.timeouts || echoed.error_strategies)) {
        S.settings = { data: echoed, version: res.version || S.settings.version };
      } else {
        const again = await api('GET', '/api/settings');
        S.settings = { data: settingsOf(again.data), version: again.version };
      }
      if (S.settings.data.time_zone !== undefined) S.timeZone = S.settings.data.time_zone || 'local';
      flashSaved();
      return true;
    } catch (e) {
      if (e.status === 422) { showFormIssues(form, e.issues.length ? e.issues : [{ path: '', message: e.message }], errorsBox); return false; }
      if (e.status === 409 || e.status === 412) { toast(t('conflict'), 'error'); await load(tab); return false; }
      reportError(e);
      return false;
    }
  }

  // ------------------------------------------------------------------------------------------
  // error strategies

  const HTTP_CODES = [
    ['400', 'Bad request'], ['401', 'Unauthorized (key rejected)'], ['403', 'Forbidden'], ['404', 'Not found'], ['408', 'Request timeout'],
    ['409', 'Conflict'], ['413', 'Payload too large'], ['429', 'Rate limited'], ['500', 'Internal server error'], ['502', 'Bad gateway'],
    ['503', 'Service unavailable'], ['504', 'Gateway timeout'], ['520', 'Cloudflare: unknown error'], ['521', 'Cloudflare: web server down'],
    ['522', 'Cloudflare: connection timed out'], ['524', 'Cloudflare: a timeout occurred'], ['529', 'Overloaded'], ['default', null],
  ];
  const BUILTIN_HTTP = (code) => (['400', '413', '422'].includes(code) ? 'none' : 'switch');
  const STRATEGIES = ['switch', 'retry', 'strategy', 'none'];

  function strategySelect(name, value, builtin) {
    const sel = h('select', { name, class: 'strategy-select strategy-' + (value || 'builtin'), value: value || '' },
      h('option', { value: '' }, t('st_builtin', { v: t('st_' + builtin) })),
      STRATEGIES.map((s) => h('option', { value: s }, t('st_' + s))));
    sel.addEventListener('change', () => { sel.className = 'strategy-select strategy-' + (sel.value || 'builtin'); });
    return sel;
  }

  function renderStrategies() {
    const es = (S.settings.data && S.settings.data.error_strategies) || {};
    const http = Object.assign({}, es.http_status || {});
    const net = Object.assign({}, es.network || {});
    const codes = HTTP_CODES.slice();
    for (const c of Object.keys(http)) if (!codes.some(([k]) => k === c)) codes.splice(codes.length - 1, 0, [c, '']);

    const httpBody = h('tbody', null);
    const addHttpRow = (code, meaning) => {
      httpBody.appendChild(h('tr', { dataset: { code } },
        h('td', { class: 'mono' }, code),
        h('td', { class: 'muted' }, code === 'default' ? t('code_default') : (meaning || '')),
        h('td', null, strategySelect('http.' + code, http[code], code === 'default' ? 'switch' : BUILTIN_HTTP(code)))));
    };
    codes.forEach(([c, m]) => addHttpRow(c, m));
    const netRows = ['connect_error', 'connect_timeout', 'first_byte_timeout', 'idle_timeout', 'reset', 'default'].map((k) =>
      h('tr', { dataset: { code: k } }, h('td', { class: 'mono' }, k), h('td', { class: 'muted' }, t('net_' + k)), h('td', null, strategySelect('network.' + k, net[k], 'switch'))));

    const setAll = (prefix, value) => {
      for (const sel of $$(`select[name^="${prefix}."]`)) {
        sel.value = value;
        sel.dispatchEvent(new Event('change'));
      }
    };
    const newCode = h('input', { type: 'text', id: 'new-code', placeholder: '418', inputmode: 'numeric', maxlength: '3', 'aria-label': t('add_code') });
    const errors = h('span', { id: 'strategies-errors', class: 'field-error', hidden: true });
    const form = h('form', { id: 'strategies-form', class: 'view', novalidate: true, onsubmit: (ev) => { ev.preventDefault(); saveStrategies(); } },
      h('fieldset', { class: 'fieldset' }, h('legend', null, t('g_http')),
        h('div', { class: 'settings-actions' },
          btn(t('all_strategy'), () => setAll('http', 'strategy'), 'btn-sm', { id: 'http-all-strategy' }),
          btn(t('all_switch'), () => setAll('http', 'switch'), 'btn-sm', { id: 'http-all-switch' }),
          btn(t('all_builtin'), () => setAll('http', ''), 'btn-sm'),
          h('span', { class: 'toolbar-spacer' }),
          newCode,
          btn(t('add_code'), () => {
            const c = newCode.value.trim();
            if (!/^[1-5]\d\d$/.test(c) || $(`tr[data-code="${c}"]`, httpBody)) return;
            const last = httpBody.lastElementChild;
            addHttpRow(c, '');
            httpBody.insertBefore(httpBody.lastElementChild, last);
            newCode.value = '';
          }, 'btn-sm')),
        h('div', { class: 'table-wrap' }, h('table', null,
          h('thead', null, h('tr', null, [t('col_code'), t('col_meaning'), t('col_strategy')].map((c) => h('th', null, c)))), httpBody))),
      h('fieldset', { class: 'fieldset' }, h('legend', null, t('g_network')),
        h('div', { class: 'settings-actions' }, btn(t('all_switch'), () => setAll('network', 'switch'), 'btn-sm', { id: 'net-all-switch' })),
        h('div', { class: 'table-wrap' }, h('table', null,
          h('thead', null, h('tr', null, [t('col_code'), t('col_meaning'), t('col_strategy')].map((c) => h('th', null, c)))), h('tbody', null, netRows)))),
      h('div', { class: 'settings-actions' },
        h('button', { type: 'submit', class: 'btn btn-primary', id: 'strategies-save' }, t('save_strategies')),
        btn(t('reset_to_current'), () => load('strategies'), ''),
        errors));
    setView(h('div', { class: 'section-head' }, h('h2', null, t('tab_strategies')), h('span', { class: 'muted' }, t('strategies_note'))), form);
  }

  async function saveStrategies() {
    const form = $('#strategies-form');
    const body = {};
    const es = { http_status: {}, network: {} };
    for (const sel of $$('select[name]', form)) {
      if (!sel.value) continue;
      const [kind, code] = sel.name.split('.');
      es[kind === 'http' ? 'http_status' : 'network'][code] = sel.value;
    }
    body.error_strategies = es;
    if (await putSettings(body, form, $('#strategies-errors'), 'strategies')) toast(t('saved'), 'ok');
  }

  // ------------------------------------------------------------------------------------------
  // live health

  async function refreshHealth(force) {
    const res = await api('GET', '/api/status');
    const json = JSON.stringify(res.data);
    if (!force && json === S.statusJSON && S.tab === 'health') {
      renderHealth(); // countdowns move even when nothing else changed
      return;
    }
    S.statusJSON = json;
    S.status = res.data || {};
    if (S.tab === 'health') renderHealth();
  }

  function stateBadge(state) {
    const s = String(state || 'healthy');
    return h('span', { class: 'badge state-' + s.replace(/[^a-z]/g, ''), dataset: { state: s } }, I18N.en['state_' + s] ? t('state_' + s) : s);
  }

  function healthTable(pool, upstreams, resettable) {
    const now = Date.now();
    const rows = upstreams.map((u, i) => {
      const until = u.cooling_until ? new Date(u.cooling_until) : null;
      const a = u.activation;
      return h('tr', { dataset: { index: String(i), name: String(u.name || ''), state: String(u.state || '') }, class: u.enabled === false ? 'row-disabled' : '' },
        h('td', null, h('div', { class: 'cell-stack' }, h('span', { class: 'badge badge-priority' }, '#' + (i + 1)), pool === 'retry_nodes' ? null : roleBadge(u.role))),
        h('td', null, h('div', { class: 'cell-stack' }, h('strong', { class: 'break' }, u.name || ''), h('span', { class: 'muted mono' }, [u.format, u.key].filter(Boolean).join(' · ')))),
        h('td', null, h('div', { class: 'cell-stack' }, stateBadge(u.state),
          h('span', { class: 'badge ' + (u.enabled === false ? 'badge-off' : 'badge-ok') }, t(u.enabled === false ? 'disabled' : 'enabled')))),
        h('td', null, u.scheduled_now === false ? h('span', { class: 'badge badge-muted' }, t('no')) : h('span', { class: 'badge badge-ok' }, t('yes'))),
        h('td', null, until ? h('div', { class: 'cell-stack' }, h('span', null, fmtClock(u.cooling_until)), h('span', { class: 'muted' }, t('in_s', { s: fmtDuration(until - now) }))) : t('none')),
        h('td', null, h('div', { class: 'cell-stack' },
          u.cooldown_reason ? h('span', { class: 'reason' }, u.cooldown_reason) : null,
          u.disabled_reason ? h('span', { class: 'reason bad' }, u.disabled_reason) : null,
          !u.cooldown_reason && !u.disabled_reason ? t('none') : null)),
        h('td', { class: 'num' }, `${fmtInt(u.failures)} / ${fmtInt(u.successes)}`, u.consecutive_failures ? h('div', { class: 'muted' }, '×' + u.consecutive_failures) : null),
        h('td', null, u.last_error ? h('div', { class: 'cell-stack' }, h('span', { class: 'reason bad break' }, u.last_error), h('span', { class: 'muted' }, fmtTime(u.last_error_at))) : t('none')),
        h('td', null, a ? h('div', { class: 'cell-stack' },
          h('span', null, '🔔 ' + (a.time || '')),
          a.next_attempt ? h('span', { class: 'muted' }, t('next_attempt', { t: fmtTime(a.next_attempt) })) : null,
          a.last_success_at ? h('span', { class: 'muted' }, t('last_success', { t: fmtTime(a.last_success_at) })) : null,
          a.attempts_today ? h('span', { class: 'muted' }, t('attempts_today', { n: a.attempts_today })) : null,
          a.last_error ? h('span', { class: 'reason bad' }, a.last_error) : null) : t('none')),
        h('td', { class: 'actions' }, resettable
          ? btn(t('reset'), () => resetOne(pool, i), 'btn-sm', { dataset: { action: 'reset' }, disabled: !(u.cooling_until || u.disabled_reason || u.consecutive_failures || (u.state && u.state !== 'healthy')) })
          : null));
    });
    return h('div', { class: 'table-wrap' }, h('table', { class: 'health-table', dataset: { pool } },
      h('thead', null, h('tr', null, [t('col_priority'), t('col_name'), t('col_state'), t('col_scheduled'), t('col_until'), t('col_reason'), t('col_counts'), t('col_last_error'), t('col_activation'), t('col_actions')].map((c) => h('th', null, c)))),
      h('tbody', null, rows)));
  }

  function renderHealth() {
    const st = S.status || {};
    const pools = st.pools || {};
    const parts = [h('div', { class: 'section-head' },
      h('h2', null, t('tab_health')),
      h('span', { class: 'muted', id: 'health-generated' }, t('generated_at', { t: fmtTime(st.generated_at) }) + ' · ' + t('health_note')),
      btn(t('reset_everything'), async () => {
        if (!(await confirmDialog(t('confirm_reset_all')))) return;
        await mutate(() => api('POST', '/api/health/reset', {}), () => refreshHealth(true));
      }, 'btn-sm btn-danger', { id: 'reset-all-health' }))];
    for (const pool of ['claude', 'codex', 'openai']) {
      const p = pools[pool];
      if (!p) continue;
      const ups = p.upstreams || [];
      parts.push(h('section', { class: 'pool-health', dataset: { pool } },
        h('div', { class: 'section-head' },
          h('h3', null, t('tab_' + pool)),
          p.using_backup ? h('span', { class: 'badge badge-backup' }, t('using_backup')) : null,
          ups.length ? btn(t('reset_pool'), () => resetPool(pool), 'btn-sm', { dataset: { action: 'reset-pool' } }) : null),
        ups.length ? healthTable(pool, ups, true) : h('div', { class: 'card empty' }, t('no_upstreams'))));
    }
    if (Array.isArray(st.retry_nodes) && st.retry_nodes.length) {
      parts.push(h('section', { class: 'pool-health', dataset: { pool: 'retry_nodes' } }, h('h3', null, t('retry_nodes_title')), healthTable('retry_nodes', st.retry_nodes, false)));
    }
    if (st.retry_budget_refusals) parts.push(h('p', { class: 'muted' }, t('budget_refusals', { n: st.retry_budget_refusals })));
    const recent = Array.isArray(st.recent_requests) ? st.recent_requests : [];
    parts.push(h('section', { class: 'pool-health', id: 'recent-requests' }, h('h3', null, t('recent_requests')),
      recent.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'recent-table' },
        h('thead', null, h('tr', null, [t('col_time'), t('col_pool'), t('col_model'), t('col_http'), t('col_attempts'), t('col_served_by'), t('col_skipped'), t('col_trail')].map((c) => h('th', null, c)))),
        h('tbody', null, recent.map((r) => h('tr', { dataset: { request: String(r.request_id || '') } },
          h('td', { class: 'mono', title: String(r.request_id || '') }, fmtClock(r.at)),
          h('td', null, r.pool || ''),
          h('td', { class: 'mono break recent-model' }, r.model || t('none')),
          h('td', { class: 'num' }, h('span', { class: 'badge ' + (r.status >= 200 && r.status < 400 ? 'badge-ok' : 'badge-off') }, String(r.status || ''))),
          h('td', { class: 'num' }, String(r.attempts || 0)),
          h('td', { class: 'served-by' }, r.served_by || t('none')),
          h('td', { class: 'muted' }, (r.skipped || []).join('; ') || t('none')),
          h('td', { class: 'muted' }, (r.trail || []).map((s) => `${s.upstream}: ${s.outcome}${s.next ? ' → ' + s.next : ''}`).join(' | ') || t('none')))))))
        : h('div', { class: 'card empty' }, t('no_recent'))));
    setView(...parts);
  }

  async function resetOne(pool, index) {
    await mutate(() => api('POST', RESET_ROUTE[pool], { index }), () => refreshHealth(true));
  }

  async function resetPool(pool) {
    if (!(await confirmDialog(t('confirm_reset_pool')))) return;
    await mutate(() => api('POST', RESET_ROUTE[pool], {}), () => (S.tab === 'health' ? refreshHealth(true) : load(pool)));
  }

  // ------------------------------------------------------------------------------------------
  // token statistics

  const KEYS = {
    requests: ['total_requests', 'requests', 'request_count', 'count'],
    total: ['total_tokens', 'tokens'],
    input: ['total_input_tokens', 'input_tokens', 'input'],
    output: ['total_output_tokens', 'output_tokens', 'output'],
    cacheWrite: ['total_cache_creation_tokens', 'cache_creation_tokens', 'cache_creation_input_tokens', 'cache_write_tokens'],
    cacheRead: ['total_cache_read_tokens', 'cache_read_tokens', 'cache_read_input_tokens'],
    usd: ['cost_usd', 'cost'],
    cny: ['cost_cny', 'cost_local'],
  };
  function pick(o, names) {
    if (!o || typeof o !== 'object') return undefined;
    for (const n of names) if (o[n] !== undefined && o[n] !== null && isFinite(Number(o[n]))) return Number(o[n]);
    return undefined;
  }
  function totals(o, rate) {
    const usd = pick(o, KEYS.usd);
    const r = {
      priced: usd !== undefined,
      requests: pick(o, KEYS.requests) || 0,
      input: pick(o, KEYS.input) || 0,
      output: pick(o, KEYS.output) || 0,
      cacheWrite: pick(o, KEYS.cacheWrite) || 0,
      cacheRead: pick(o, KEYS.cacheRead) || 0,
      usd: pick(o, KEYS.usd) || 0,
    };
    const tot = pick(o, KEYS.total);
    r.total = tot === undefined ? r.input + r.output + r.cacheWrite + r.cacheRead : tot;
    const cny = pick(o, KEYS.cny);
    r.cny = cny === undefined ? r.usd * rate : cny;
    return r;
  }

  function statsQuery() {
    const p = S.stats;
    if (p.period === 'custom' && p.from && p.to) return `from=${encodeURIComponent(p.from)}&to=${encodeURIComponent(p.to)}`;
    return 'period=' + encodeURIComponent(p.period === 'custom' ? 'today' : p.period);
  }

  async function refreshStats(force) {
    const res = await api('GET', '/api/token-stats?' + statsQuery());
    const json = JSON.stringify(res.data);
    if (!force && json === S.stats.json) return;
    S.stats.json = json;
    S.stats.data = res.data || {};
    if (S.tab === 'stats') renderStats();
  }

  function setPeriod(period, from, to) {
    Object.assign(S.stats, { period, from: from || '', to: to || '' });
    try { localStorage.setItem(PERIOD_KEY, JSON.stringify({ period, from: S.stats.from, to: S.stats.to })); } catch (_) { /* ignore */ }
    load('stats');
  }

  function isoDay(d) {
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  }
  function dayRange(from, to) {
    const out = [];
    const a = new Date(from + 'T00:00:00');
    const b = new Date(to + 'T00:00:00');
    if (isNaN(a) || isNaN(b) || a > b) return out;
    for (let d = a; d <= b && out.length < 400; d = new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1)) out.push(isoDay(d));
    return out;
  }

  function statsDays(daily) {
    const keys = Object.keys(daily || {}).filter((k) => /^\d{4}-\d{2}-\d{2}$/.test(k)).sort();
    const today = isoDay(new Date());
    const p = S.stats;
    let from;
    let to = keys.length && keys[keys.length - 1] > today ? keys[keys.length - 1] : today;
    if (p.period === 'custom' && p.from && p.to) { from = p.from; to = p.to; }
    else if (p.period === 'today') from = to;
    else if (p.period === '7d' || p.period === '30d') {
      const n = p.period === '7d' ? 6 : 29;
      const end = new Date(to + 'T00:00:00');
      from = isoDay(new Date(end.getFullYear(), end.getMonth(), end.getDate() - n));
    } else from = keys.length ? keys[0] : to;
    if (keys.length && keys[0] < from && p.period !== 'custom') from = keys[0];
    const days = dayRange(from, to);
    for (const k of keys) if (!days.includes(k)) days.push(k);
    return days.sort();
  }

  function renderStats() {
    const d = S.stats.data || {};
    const currency = d.currency || {};
    const code = currency.code || 'CNY';
    const rate = Number(currency.rate || currency.per_usd) || 7.2;
    const sum = totals(d.summary || {}, rate);
    const p = S.stats;

    const periodBtn = (id) => btn(t('period_' + id), () => setPeriod(id), 'btn-sm' + (p.period === id ? ' active' : ''), { dataset: { period: id }, 'aria-pressed': String(p.period === id) });
    const fromIn = h('input', { type: 'date', id: 'stats-from', value: p.from || isoDay(new Date(Date.now() - 6 * 86400000)), 'aria-label': t('from') });
    const toIn = h('input', { type: 'date', id: 'stats-to', value: p.to || isoDay(new Date()), 'aria-label': t('to') });
    const bar = h('div', { class: 'periods' },
      ['today', '7d', '30d', 'all'].map(periodBtn),
      h('span', { class: 'muted' }, t('period_custom') + ':'),
      h('label', { class: 'check' }, t('from'), fromIn),
      h('label', { class: 'check' }, t('to'), toIn),
      btn(t('apply'), () => { if (fromIn.value && toIn.value) setPeriod('custom', fromIn.value <= toIn.value ? fromIn.value : toIn.value, fromIn.value <= toIn.value ? toIn.value : fromIn.value); },
        'btn-sm' + (p.period === 'custom' ? ' active' : ''), { dataset: { period: 'custom' } }),
      h('span', { class: 'toolbar-spacer' }),
      btn(t('refresh_stats'), () => load('stats'), 'btn-sm', { id: 'stats-refresh' }),
      h('a', { class: 'btn btn-sm', href: '/api/token-stats/export?format=csv&' + statsQuery(), download: 'switchyard-usage.csv', id: 'stats-export-csv' }, t('export_csv')),
      h('a', { class: 'btn btn-sm', href: '/api/token-stats/export?format=json&' + statsQuery(), download: 'switchyard-usage.json', id: 'stats-export-json' }, t('export_json')),
      btn(t('clear_stats'), clearStats, 'btn-sm btn-danger', { id: 'stats-clear' }),
      PAGE === 'admin' ? h('a', { class: 'btn btn-sm btn-ghost', href: '/token-stats.html', target: '_blank', rel: 'noopener noreferrer' }, t('open_standalone')) : null);

    const card = (id, label, value, raw) => h('div', { class: 'stat-card', dataset: { card: id, value: String(raw) } },
      h('div', { class: 'label' }, label), h('div', { class: 'value' }, value));
    const cards = h('div', { class: 'cards' },
      card('requests', t('c_requests'), fmtInt(sum.requests), sum.requests),
      card('total', t('c_total'), fmtInt(sum.total), sum.total),
      card('input', t('c_input'), fmtInt(sum.input), sum.input),
      card('output', t('c_output'), fmtInt(sum.output), sum.output),
      card('cache_write', t('c_cache_write'), fmtInt(sum.cacheWrite), sum.cacheWrite),
      card('cache_read', t('c_cache_read'), fmtInt(sum.cacheRead), sum.cacheRead),
      card('usd', t('c_usd'), sum.priced ? fmtUSD(sum.usd) : t('none'), sum.usd),
      card('cny', t('c_cny', { code }), sum.priced ? fmtMoney(sum.cny, code) : t('none'), Math.round(sum.cny * 10000) / 10000));
    const unpriced = Array.isArray(d.unpriced_models) ? d.unpriced_models : [];
    const period = d.period && typeof d.period === 'object' ? d.period : null;

    // charts
    const daily = d.daily && typeof d.daily === 'object' ? d.daily : {};
    const days = statsDays(daily);
    const dayTotals = days.map((k) => totals(daily[k] || {}, rate));
    const shortDay = (k) => k.slice(5);
    const chartCard = (id, title, legend) => {
      const canvas = h('canvas', { id: 'chart-' + id, class: 'chart', role: 'img', 'aria-label': title, dataset: { chart: id } });
      return { canvas, node: h('div', { class: 'card chart-card' }, h('h3', null, title), legend || null, canvas) };
    };
    const legend = (items) => h('div', { class: 'legend' }, items.map(([label, i]) => h('span', null, h('span', { class: 'legend-swatch swatch-' + i }), label)));
    const cTokens = chartCard('tokens-day', t('chart_tokens_day'), legend([[t('col_input'), 1], [t('col_output'), 2], [t('col_cw'), 3], [t('col_cr'), 4]]));
    const cCost = chartCard('cost-day', t('chart_cost_day'), legend([['USD', 1]]));
    const byModel = objectRows(d.by_model, rate);
    const cModel = chartCard('tokens-model', t('chart_tokens_model'));

    const parts = [h('div', { class: 'section-head' }, h('h2', null, t('tab_stats')),
      h('span', { class: 'muted', id: 'stats-generated' },
        period && (period.from || period.to) ? `${(period.from || '…').slice(0, 10)} – ${(period.to || '…').slice(0, 10)} (${period.time_zone || ''}) · ` : '',
        d.generated_at ? t('stats_generated', { t: d.generated_at }) : '')),
    bar,
    ledgerWarning(d.ledger),
    cards,
    h('div', { class: 'charts' }, cTokens.node, cCost.node, cModel.node),
    statsTable('by_model', t('by_model'), t('col_model'), byModel, code),
    statsTable('by_upstream', t('by_upstream'), t('col_upstream'), objectRows(d.by_upstream, rate), code),
    statsTable('by_client', t('by_client'), t('col_client'), objectRows(d.by_client, rate), code),
    h('p', { class: 'help' }, t('cost_estimate'), unpriced.length ? ' ' + t('unpriced', { models: unpriced.join(', ') }) : '')];
    setView(...parts);

    const fmtTok = (v) => fmtInt(v);
    window.SYChart.render(cTokens.canvas, {
      type: 'stacked', labels: days.map(shortDay), empty: t('no_data'), format: fmtTok, totalLabel: t('col_total'),
      series: [
        { label: t('col_input'), colorVar: '--chart-1', values: dayTotals.map((x) => x.input) },
        { label: t('col_output'), colorVar: '--chart-2', values: dayTotals.map((x) => x.output) },
        { label: t('col_cw'), colorVar: '--chart-3', values: dayTotals.map((x) => x.cacheWrite) },
        { label: t('col_cr'), colorVar: '--chart-4', values: dayTotals.map((x) => x.cacheRead) },
      ],
    });
    window.SYChart.render(cCost.canvas, {
      type: 'line', labels: days.map(shortDay), empty: t('no_data'), format: fmtUSD, axisFormat: (v) => '$' + window.SYChart.compact(v),
      series: [{ label: 'USD', colorVar: '--chart-1', values: dayTotals.map((x) => x.usd) }],
    });
    const top = byModel.slice(0, 15);
    window.SYChart.render(cModel.canvas, {
      type: 'hbar', labels: top.map((r) => r.name), values: top.map((r) => r.t.total), empty: t('no_data'), format: fmtTok, colorVar: '--chart-1',
    });
  }

  function ledgerWarning(ledger) {
    if (!ledger || typeof ledger !== 'object') return null;
    const dropped = Number(ledger.dropped) || 0;
    if (ledger.healthy !== false && !dropped) return null;
    return h('p', { class: 'form-error', role: 'alert', id: 'ledger-warning' }, t('ledger_unhealthy', { n: fmtInt(dropped), q: fmtInt(ledger.queued || 0) }));
  }

  function objectRows(obj, rate) {
    if (!obj || typeof obj !== 'object') return [];
    return Object.keys(obj).map((name) => ({ name, t: totals(obj[name], rate) })).sort((a, b) => b.t.total - a.t.total || a.name.localeCompare(b.name));
  }

  function statsTable(id, title, firstCol, rows, code) {
    const cols = [firstCol, t('col_requests'), t('col_total'), t('col_input'), t('col_output'), t('col_cw'), t('col_cr'), t('col_usd'), t('col_cny', { code })];
    return h('section', { class: 'pool-health', dataset: { table: id } }, h('h3', null, title),
      rows.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'stats-table', id: 'stats-' + id },
        h('thead', null, h('tr', null, cols.map((c, i) => h('th', { class: i ? 'num' : '' }, c)))),
        h('tbody', null, rows.map((r) => h('tr', { dataset: { name: r.name } },
          h('td', { class: 'mono break stats-name' }, r.name),
          h('td', { class: 'num' }, fmtInt(r.t.requests)),
          h('td', { class: 'num' }, fmtInt(r.t.total)),
          h('td', { class: 'num' }, fmtInt(r.t.input)),
          h('td', { class: 'num' }, fmtInt(r.t.output)),
          h('td', { class: 'num' }, fmtInt(r.t.cacheWrite)),
          h('td', { class: 'num' }, fmtInt(r.t.cacheRead)),
          h('td', { class: 'num' }, r.t.priced ? fmtUSD(r.t.usd) : t('none')),
          h('td', { class: 'num' }, r.t.priced ? fmtMoney(r.t.cny, code) : t('none')))))))
        : h('div', { class: 'card empty' }, t('no_data')));
  }

  async function clearStats() {
    if (!(await confirmDialog(t('confirm_clear_stats')))) return;
    try {
      await api('POST', '/api/token-stats/reset', {});
      toast(t('stats_cleared'), 'ok');
    } catch (e) {
      if (e.status === 404 || e.status === 405 || e.status === 501) toast(t('not_supported', { status: e.status }), 'error');
      else reportError(e);
    }
    load('stats');
  }

  // ------------------------------------------------------------------------------------------
  // toolbar

  function onAdd() {
    if (POOLS.includes(S.tab)) openUpstreamEditor(S.tab, null);
    else if (S.tab === 'rules') openRuleEditor(null);
    else if (S.tab === 'clients') openClientEditor();
  }

  async function onResetCooldown() {
    const pool = S.tab;
    if (!RESET_ROUTE[pool]) return;
    await resetPool(pool);
  }

  async function onReloadFile() {
    try {
      const res = await api('POST', '/api/reload', {});
      const msg = res.data && (res.data.message || (res.data.error && res.data.error.message));
      toast(msg ? String(msg) : t('reloaded'), 'ok');
    } catch (e) {
      if (e.status === 422) toast(t('validation_failed') + ' ' + (e.issues.map((i) => `${i.path}: ${i.message}`).join('; ') || e.message), 'error');
      else reportError(e);
    }
    S.timeZone = null;
    load(S.tab);
  }

  // ------------------------------------------------------------------------------------------
  // boot

  async function boot() {
    $('#lang-toggle').addEventListener('click', toggleLang);
    $('#logout').addEventListener('click', logout);
    $('#login-form').addEventListener('submit', submitLogin);
    $('#modal-form').addEventListener('submit', submitModal);
    $('#modal-cancel').addEventListener('click', closeModal);
    $('#modal-close').addEventListener('click', closeModal);
    $('#modal').addEventListener('click', (ev) => { if (ev.target === $('#modal')) closeModal(); });
    $('#confirm').addEventListener('click', (ev) => { if (ev.target === $('#confirm')) $('#confirm').close('cancel'); });
    $('#btn-add').addEventListener('click', onAdd);
    $('#btn-refresh').addEventListener('click', () => load(S.tab));
    $('#btn-reset-cooldown').addEventListener('click', onResetCooldown);
    $('#btn-reload').addEventListener('click', onReloadFile);
    window.addEventListener('hashchange', () => {
      const tab = decodeURIComponent(location.hash.slice(1));
      if (S.loggedIn && TABS.includes(tab) && tab !== S.tab) showTab(tab);
    });
    applyLang();
    const ok = await checkSession();
    if (ok === true) showApp();
    else if (ok === false) showLogin();
    document.body.dataset.ready = '1';
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
  else boot();
})();
