package io.github.llmquota.autoconfigure;

import java.math.BigDecimal;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.github.llmquota.aop.LlmRateLimitedAdvisor;
import io.github.llmquota.budget.BudgetWindow;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.Provider;
import io.github.llmquota.core.ProviderScope;
import io.github.llmquota.failover.FailMode;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration properties for llm-quota.
 */
@ConfigurationProperties("llm.quota")
public class LlmQuotaProperties {

	/**
	 * Whether to enable llm-quota.
	 */
	private boolean enabled = true;

	/**
	 * Share of every provider limit to keep unused, in [0, 1). It absorbs other clients
	 * of the same organisation and estimation error.
	 */
	private double safetyMargin = 0.10;

	/**
	 * Prefix of every Redis key and pub/sub channel that llm-quota writes.
	 */
	private String keyPrefix = "llmq";

	/**
	 * Hard expiry of a lease. A call still running after it loses its concurrency slot,
	 * and a crashed JVM's slots come back after it.
	 */
	private Duration leaseTimeout = Duration.ofMinutes(10);

	/**
	 * How often a JVM with waiting requests proves it is alive and repairs lost wake-ups.
	 * Its waiting requests are dropped after three missed beats.
	 */
	private Duration heartbeatInterval = Duration.ofSeconds(1);

	/**
	 * Maximum number of requests waiting in one pool, over all priority classes. When it
	 * is full, an arrival sheds the lowest-ranked waiting request if that one is of a
	 * strictly lower class, and is rejected otherwise.
	 */
	private int queueCapacity = 10_000;

	/**
	 * How far ahead of its refill a bucket may admit a waiting request. A request that
	 * would fit within this time is admitted now, which saves a wake-up per queued
	 * admission at saturation; the bucket runs at most this far ahead of the provider's.
	 */
	private Duration admissionLookahead = Duration.ofMillis(50);

	/**
	 * Priority class of requests that name none.
	 */
	private String defaultPriority = Priority.NORMAL;

	/**
	 * Priority classes, highest first. The order is strict across the whole fleet.
	 */
	private List<PriorityClassProperties> priorityClasses = new ArrayList<>(
			List.of(new PriorityClassProperties(Priority.CRITICAL, 0.0, Duration.ofSeconds(30)),
					new PriorityClassProperties(Priority.INTERACTIVE, 0.05, Duration.ofSeconds(30)),
					new PriorityClassProperties(Priority.NORMAL, 0.15, Duration.ofMinutes(2)),
					new PriorityClassProperties(Priority.BACKGROUND, 0.30, Duration.ofMinutes(10))));

	/**
	 * Models and their provider limits, by model name.
	 */
	private Map<String, ModelProperties> models = new LinkedHashMap<>();

	/**
	 * Provider buckets and their limits, by pool name. Models draw from one by naming it
	 * in their "pool" property.
	 */
	private Map<String, PoolProperties> pools = new LinkedHashMap<>();

	/**
	 * Organisations, projects or workspaces above pools, by scope name. A pool names its
	 * scope in its "scope" property; scopes chain up to a root through "parent". Every
	 * request is held to its pool's limits and to those of each scope above it.
	 */
	private Map<String, ScopeProperties> scopes = new LinkedHashMap<>();

	/**
	 * Per-user limits, by pool name. Users are identified by the request's user id, which
	 * is hashed before it reaches Redis.
	 */
	private Map<String, UserLimitsProperties> userLimits = new LinkedHashMap<>();

	private final FeedbackProperties feedback = new FeedbackProperties();

	/**
	 * Fallback chains, by chain name: the models to try, in order, when the model a call
	 * asks for cannot serve it. The circuit breaker of each model is configured under
	 * resilience4j.circuitbreaker.instances, named after the model.
	 */
	private Map<String, List<String>> fallbackChains = new LinkedHashMap<>();

	private final Fallback fallback = new Fallback();

	private final Redis redis = new Redis();

	private final Alerts alerts = new Alerts();

	private final Metrics metrics = new Metrics();

	/**
	 * The advisor that governs @LlmRateLimited methods.
	 */
	private final Aspect aspect = new Aspect();

	/**
	 * The attempt governor, which admits every HTTP attempt to a provider.
	 */
	private final Governor governor = new Governor();

	/**
	 * The Spring AI integration.
	 */
	private final SpringAi springAi = new SpringAi();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public double getSafetyMargin() {
		return this.safetyMargin;
	}

	public void setSafetyMargin(double safetyMargin) {
		this.safetyMargin = safetyMargin;
	}

	public String getKeyPrefix() {
		return this.keyPrefix;
	}

	public void setKeyPrefix(String keyPrefix) {
		this.keyPrefix = keyPrefix;
	}

	public Duration getLeaseTimeout() {
		return this.leaseTimeout;
	}

	public void setLeaseTimeout(Duration leaseTimeout) {
		this.leaseTimeout = leaseTimeout;
	}

	public Duration getHeartbeatInterval() {
		return this.heartbeatInterval;
	}

	public void setHeartbeatInterval(Duration heartbeatInterval) {
		this.heartbeatInterval = heartbeatInterval;
	}

	public int getQueueCapacity() {
		return this.queueCapacity;
	}

	public void setQueueCapacity(int queueCapacity) {
		this.queueCapacity = queueCapacity;
	}

	public Duration getAdmissionLookahead() {
		return this.admissionLookahead;
	}

	public void setAdmissionLookahead(Duration admissionLookahead) {
		this.admissionLookahead = admissionLookahead;
	}

	public String getDefaultPriority() {
		return this.defaultPriority;
	}

	public void setDefaultPriority(String defaultPriority) {
		this.defaultPriority = defaultPriority;
	}

	public List<PriorityClassProperties> getPriorityClasses() {
		return this.priorityClasses;
	}

	public void setPriorityClasses(List<PriorityClassProperties> priorityClasses) {
		this.priorityClasses = priorityClasses;
	}

	public Map<String, ModelProperties> getModels() {
		return this.models;
	}

	public void setModels(Map<String, ModelProperties> models) {
		this.models = models;
	}

	public Map<String, PoolProperties> getPools() {
		return this.pools;
	}

	public void setPools(Map<String, PoolProperties> pools) {
		this.pools = pools;
	}

	public Map<String, ScopeProperties> getScopes() {
		return this.scopes;
	}

	public void setScopes(Map<String, ScopeProperties> scopes) {
		this.scopes = scopes;
	}

	public Map<String, UserLimitsProperties> getUserLimits() {
		return this.userLimits;
	}

	public void setUserLimits(Map<String, UserLimitsProperties> userLimits) {
		this.userLimits = userLimits;
	}

	public FeedbackProperties getFeedback() {
		return this.feedback;
	}

	public Map<String, List<String>> getFallbackChains() {
		return this.fallbackChains;
	}

	public void setFallbackChains(Map<String, List<String>> fallbackChains) {
		this.fallbackChains = fallbackChains;
	}

	public Fallback getFallback() {
		return this.fallback;
	}

	/**
	 * How fallback chains route calls.
	 */
	public static class Fallback {

		/**
		 * Priority classes that give the asked-for model up to higher classes while its
		 * pool is under pressure (see llm.quota.pressure). Defaults to the two lowest
		 * classes, never the highest.
		 */
		private List<String> lowPriorities = new ArrayList<>();

		/**
		 * Longest time a call waits for one model of a chain before the next is tried.
		 * Once every model was tried, the call waits on the one that frees up first, for
		 * the rest of its wait budget.
		 */
		private Duration attemptWait = Duration.ofSeconds(1);

		public List<String> getLowPriorities() {
			return this.lowPriorities;
		}

		public void setLowPriorities(List<String> lowPriorities) {
			this.lowPriorities = lowPriorities;
		}

		public Duration getAttemptWait() {
			return this.attemptWait;
		}

		public void setAttemptWait(Duration attemptWait) {
			this.attemptWait = attemptWait;
		}

	}

	public Redis getRedis() {
		return this.redis;
	}

	public Alerts getAlerts() {
		return this.alerts;
	}

	public Metrics getMetrics() {
		return this.metrics;
	}

	/**
	 * Utilisation thresholds of every pool dimension, the events published when one is
	 * crossed, and the mitigation at the critical one. Utilisation is what the whole
	 * fleet consumed in the trailing minute, as a share of the provider's per-minute
	 * limit.
	 */
	public static class Alerts {

		/**
		 * Utilisation, as a share of the provider limit, from which a pool dimension is
		 * at WARN.
		 */
		private double warnThreshold = 0.80;

		/**
		 * Utilisation, as a share of the provider limit, from which a pool dimension is
		 * at CRITICAL. At most 2, since a full burst bucket and its refill can exceed the
		 * per-minute limit within one minute.
		 */
		private double criticalThreshold = 0.90;

		/**
		 * How far utilisation must fall below a threshold before the status it entered is
		 * left, so that a value hovering at a threshold does not flap.
		 */
		private double hysteresis = 0.05;

		/**
		 * Whether each JVM sheds its lowest priority class in a pool while the pool is
		 * under pressure (see llm.quota.pressure). Utilisation alone, CRITICAL included,
		 * does not shed.
		 */
		private boolean mitigation = true;

		/**
		 * How often each JVM reads the utilisation of every pool, to publish threshold
		 * events and refresh gauges and health.
		 */
		private Duration checkInterval = Duration.ofSeconds(5);

		public double getWarnThreshold() {
			return this.warnThreshold;
		}

		public void setWarnThreshold(double warnThreshold) {
			this.warnThreshold = warnThreshold;
		}

		public double getCriticalThreshold() {
			return this.criticalThreshold;
		}

		public void setCriticalThreshold(double criticalThreshold) {
			this.criticalThreshold = criticalThreshold;
		}

		public double getHysteresis() {
			return this.hysteresis;
		}

		public void setHysteresis(double hysteresis) {
			this.hysteresis = hysteresis;
		}

		public boolean isMitigation() {
			return this.mitigation;
		}

		public void setMitigation(boolean mitigation) {
			this.mitigation = mitigation;
		}

		public Duration getCheckInterval() {
			return this.checkInterval;
		}

		public void setCheckInterval(Duration checkInterval) {
			this.checkInterval = checkInterval;
		}

	}

	/**
	 * Micrometer meters.
	 */
	public static class Metrics {

		private final GenAiTokenUsage genAiTokenUsage = new GenAiTokenUsage();

		public GenAiTokenUsage getGenAiTokenUsage() {
			return this.genAiTokenUsage;
		}

		/**
		 * The OpenTelemetry GenAI token usage histogram.
		 */
		public static class GenAiTokenUsage {

			/**
			 * Whether to record settled token usage as gen_ai.client.token.usage. Turn it
			 * off when other instrumentation (an OpenTelemetry agent, for example)
			 * already records it; it is off by itself when Spring AI's chat model metrics
			 * are configured.
			 */
			private boolean enabled = true;

			public boolean isEnabled() {
				return this.enabled;
			}

			public void setEnabled(boolean enabled) {
				this.enabled = enabled;
			}

		}

	}

	/**
	 * How llm-quota uses Redis, and what it does when Redis cannot be reached.
	 */
	public static class Redis {

		/**
		 * What to do while Redis cannot be reached: 'local' limits each JVM to its share
		 * of every pool, 'open' admits without limiting, 'closed' rejects.
		 */
		private FailMode failMode = FailMode.LOCAL;

		/**
		 * Longest time one llm-quota Redis call may take before it counts as a failure,
		 * whatever spring.data.redis.timeout is.
		 */
		private Duration timeout = Duration.ofMillis(500);

		/**
		 * How long to stop calling Redis after a failure before trying again.
		 */
		private Duration retryInterval = Duration.ofSeconds(5);

		/**
		 * Whether this JVM's calls for a pool that are made while another of its calls is
		 * under way wait for it and are then sent together, as one script call. Each call
		 * is decided as if sent alone; under load, the pool's decisions cost Redis a
		 * fraction. Acquires of the classes above the default class are always sent at
		 * once. Off: every call is a script call of its own.
		 */
		private boolean combineCalls = true;

		public FailMode getFailMode() {
			return this.failMode;
		}

		public void setFailMode(FailMode failMode) {
			this.failMode = failMode;
		}

		public Duration getTimeout() {
			return this.timeout;
		}

		public void setTimeout(Duration timeout) {
			this.timeout = timeout;
		}

		public boolean isCombineCalls() {
			return this.combineCalls;
		}

		public void setCombineCalls(boolean combineCalls) {
			this.combineCalls = combineCalls;
		}

		public Duration getRetryInterval() {
			return this.retryInterval;
		}

		public void setRetryInterval(Duration retryInterval) {
			this.retryInterval = retryInterval;
		}

	}

	/**
	 * How provider feedback moves the shared state.
	 */
	public static class FeedbackProperties {

		/**
		 * Factor a provider 429 multiplies the pool's adaptive multiplier by, in (0, 1).
		 * At most one cut per round trip.
		 */
		private double multiplierCut = 0.7;

		/**
		 * Lowest value of the adaptive multiplier, in (0, 1].
		 */
		private double multiplierFloor = 0.1;

		/**
		 * How much each successful call adds back to the adaptive multiplier, up to 1.
		 */
		private double multiplierRecovery = 0.01;

		/**
		 * First cooldown of a model after an overload (529) or server error. It doubles
		 * with each further consecutive failure.
		 */
		private Duration overloadCooldown = Duration.ofSeconds(1);

		/**
		 * Longest cooldown of a model after overload or server errors.
		 */
		private Duration maxOverloadCooldown = Duration.ofSeconds(30);

		/**
		 * Longest cooldown a provider's retry delay (retry-after, retry-after-ms, an HTTP
		 * date, a hint in the error body) can put a pool in, fleet-wide. A longer delay
		 * is reported as a malformed header and clamped to this, and so is a rate-limit
		 * reset further away than both this and one day. It bounds what one garbage or
		 * hostile header can do, which is otherwise to stop the pool on every JVM until
		 * Redis is reset. Real delays are seconds to a minute; a limit still exhausted
		 * when the cooldown ends costs one more 429, which starts the next cooldown.
		 */
		private Duration maxCooldown = Duration.ofMinutes(5);

		/**
		 * How long a pool stays exhausted, fleet-wide, after a provider said its quota is
		 * used up (a spend cap, billing, insufficient_quota) without naming when it
		 * resets. While exhausted, every request to the pool fails at once as
		 * non-retryable; the first call after the hold probes the provider again. A reset
		 * the provider names is used instead, bounded by max-cooldown.
		 */
		private Duration exhaustedHold = Duration.ofMinutes(5);

		public double getMultiplierCut() {
			return this.multiplierCut;
		}

		public void setMultiplierCut(double multiplierCut) {
			this.multiplierCut = multiplierCut;
		}

		public double getMultiplierFloor() {
			return this.multiplierFloor;
		}

		public void setMultiplierFloor(double multiplierFloor) {
			this.multiplierFloor = multiplierFloor;
		}

		public double getMultiplierRecovery() {
			return this.multiplierRecovery;
		}

		public void setMultiplierRecovery(double multiplierRecovery) {
			this.multiplierRecovery = multiplierRecovery;
		}

		public Duration getOverloadCooldown() {
			return this.overloadCooldown;
		}

		public void setOverloadCooldown(Duration overloadCooldown) {
			this.overloadCooldown = overloadCooldown;
		}

		public Duration getMaxOverloadCooldown() {
			return this.maxOverloadCooldown;
		}

		public void setMaxOverloadCooldown(Duration maxOverloadCooldown) {
			this.maxOverloadCooldown = maxOverloadCooldown;
		}

		public Duration getMaxCooldown() {
			return this.maxCooldown;
		}

		public void setMaxCooldown(Duration maxCooldown) {
			this.maxCooldown = maxCooldown;
		}

		public Duration getExhaustedHold() {
			return this.exhaustedHold;
		}

		public void setExhaustedHold(Duration exhaustedHold) {
			this.exhaustedHold = exhaustedHold;
		}

	}

	/**
	 * Per-user limits of one pool.
	 */
	public static class UserLimitsProperties {

		/**
		 * Limits of every user without an override.
		 */
		private UserLimit defaults = new UserLimit();

		/**
		 * Limits of named users, by user id.
		 */
		private Map<String, UserLimit> overrides = new LinkedHashMap<>();

		public UserLimit getDefaults() {
			return this.defaults;
		}

		public void setDefaults(UserLimit defaults) {
			this.defaults = defaults;
		}

		public Map<String, UserLimit> getOverrides() {
			return this.overrides;
		}

		public void setOverrides(Map<String, UserLimit> overrides) {
			this.overrides = overrides;
		}

	}

	/**
	 * The limits of one user or tenant in one pool. Unset limits are not enforced.
	 */
	public static class UserLimit {

		/**
		 * Maximum requests per minute of one user or tenant.
		 */
		private Long requestsPerMinute;

		/**
		 * Maximum input tokens per minute of one user or tenant.
		 */
		private Long inputTokensPerMinute;

		/**
		 * Maximum output tokens per minute of one user or tenant, charged as a stream
		 * flows.
		 */
		private Long outputTokensPerMinute;

		/**
		 * Maximum input plus output tokens per minute of one user or tenant.
		 */
		private Long tokensPerMinute;

		/**
		 * Maximum input plus output tokens per day of one user or tenant.
		 */
		private Long tokensPerDay;

		public Long getRequestsPerMinute() {
			return this.requestsPerMinute;
		}

		public void setRequestsPerMinute(Long requestsPerMinute) {
			this.requestsPerMinute = requestsPerMinute;
		}

		public Long getInputTokensPerMinute() {
			return this.inputTokensPerMinute;
		}

		public void setInputTokensPerMinute(Long inputTokensPerMinute) {
			this.inputTokensPerMinute = inputTokensPerMinute;
		}

		public Long getOutputTokensPerMinute() {
			return this.outputTokensPerMinute;
		}

		public void setOutputTokensPerMinute(Long outputTokensPerMinute) {
			this.outputTokensPerMinute = outputTokensPerMinute;
		}

		public Long getTokensPerMinute() {
			return this.tokensPerMinute;
		}

		public void setTokensPerMinute(Long tokensPerMinute) {
			this.tokensPerMinute = tokensPerMinute;
		}

		public Long getTokensPerDay() {
			return this.tokensPerDay;
		}

		public void setTokensPerDay(Long tokensPerDay) {
			this.tokensPerDay = tokensPerDay;
		}

	}

	public Aspect getAspect() {
		return this.aspect;
	}

	public SpringAi getSpringAi() {
		return this.springAi;
	}

	public Governor getGovernor() {
		return this.governor;
	}

	/**
	 * The attempt governor: every HTTP attempt that Spring's HTTP clients (and the SDK
	 * and Spring AI integrations) send to a provider is admitted on its own and settled
	 * from its own response.
	 */
	public static class Governor {

		/**
		 * Whether to govern each HTTP attempt to the providers at base-urls.
		 */
		private boolean enabled = true;

		/**
		 * Priority class of provider calls made with no call context (neither
		 * {@code @LlmRateLimited} nor LlmCallContext). Defaults to
		 * llm.quota.default-priority.
		 */
		private String defaultPriority;

		/**
		 * Base URLs of the providers whose requests are governed. A request is governed
		 * when its scheme, host and port match and its path lies under the base URL's
		 * path.
		 */
		private List<String> baseUrls = new ArrayList<>(List.of("https://api.anthropic.com", "https://api.openai.com"));

		/**
		 * Models, by the name a request body gives them, that are sent without admission.
		 * A request for any other model that is not configured under llm.quota.models
		 * fails before it is sent.
		 */
		private List<String> ungovernedModels = new ArrayList<>();

		/**
		 * Output tokens reserved for a request whose body sets none of max_tokens,
		 * max_completion_tokens and max_output_tokens.
		 */
		private long defaultMaxOutputTokens = 4096;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public String getDefaultPriority() {
			return this.defaultPriority;
		}

		public void setDefaultPriority(String defaultPriority) {
			this.defaultPriority = defaultPriority;
		}

		public List<String> getBaseUrls() {
			return this.baseUrls;
		}

		public void setBaseUrls(List<String> baseUrls) {
			this.baseUrls = baseUrls;
		}

		public List<String> getUngovernedModels() {
			return this.ungovernedModels;
		}

		public void setUngovernedModels(List<String> ungovernedModels) {
			this.ungovernedModels = ungovernedModels;
		}

		public long getDefaultMaxOutputTokens() {
			return this.defaultMaxOutputTokens;
		}

		public void setDefaultMaxOutputTokens(long defaultMaxOutputTokens) {
			this.defaultMaxOutputTokens = defaultMaxOutputTokens;
		}

	}

	/**
	 * The advisor that governs {@code @LlmRateLimited} methods.
	 */
	public static class Aspect {

		/**
		 * Order of the advisor among other advice on the same method; lower runs first,
		 * around the rest. The default runs inside Resilience4j's aspects (so that a
		 * retry acquires quota again) and outside transactions.
		 */
		private int order = LlmRateLimitedAdvisor.DEFAULT_ORDER;

		public int getOrder() {
			return this.order;
		}

		public void setOrder(int order) {
			this.order = order;
		}

	}

	/**
	 * The Spring AI integration.
	 */
	public static class SpringAi {

		/**
		 * Whether every ChatClient.Builder that Spring AI auto-configures gets the
		 * advisor that takes the priority class, user and wait budget of a call from the
		 * advisor parameters llm-quota.priority, llm-quota.user and llm-quota.max-wait.
		 */
		private boolean adviseChatClients = true;

		public boolean isAdviseChatClients() {
			return this.adviseChatClients;
		}

		public void setAdviseChatClients(boolean adviseChatClients) {
			this.adviseChatClients = adviseChatClients;
		}

	}

	/**
	 * One priority class.
	 */
	public static class PriorityClassProperties {

		/**
		 * Name of the class, as requests and annotations refer to it.
		 */
		private String name;

		/**
		 * Share of every bucket, in [0, 1), that this class may not drain, so that higher
		 * classes are admitted at once during a flood of this one.
		 */
		private double reserve;

		/**
		 * Maximum number of requests of this class waiting in one pool.
		 */
		private int queueCapacity = 1_000;

		/**
		 * How long requests of this class wait for admission when they set no wait of
		 * their own.
		 */
		private Duration maxWait = Duration.ofSeconds(30);

		public PriorityClassProperties() {
		}

		PriorityClassProperties(String name, double reserve, Duration maxWait) {
			this.name = name;
			this.reserve = reserve;
			this.maxWait = maxWait;
		}

		public String getName() {
			return this.name;
		}

		public void setName(String name) {
			this.name = name;
		}

		public double getReserve() {
			return this.reserve;
		}

		public void setReserve(double reserve) {
			this.reserve = reserve;
		}

		public int getQueueCapacity() {
			return this.queueCapacity;
		}

		public void setQueueCapacity(int queueCapacity) {
			this.queueCapacity = queueCapacity;
		}

		public Duration getMaxWait() {
			return this.maxWait;
		}

		public void setMaxWait(Duration maxWait) {
			this.maxWait = maxWait;
		}

	}

	/**
	 * The limits a pool and a scope both set, one per dimension: what the provider allows
	 * at that level. Unset limits are not enforced there.
	 */
	public abstract static class LimitProperties {

		/**
		 * Maximum requests per minute.
		 */
		private Long requestsPerMinute;

		/**
		 * Maximum input tokens per minute (Anthropic ITPM).
		 */
		private Long inputTokensPerMinute;

		/**
		 * Maximum output tokens per minute (Anthropic OTPM).
		 */
		private Long outputTokensPerMinute;

		/**
		 * Maximum input plus output tokens per minute (OpenAI TPM).
		 */
		private Long tokensPerMinute;

		/**
		 * Maximum requests per day.
		 */
		private Long requestsPerDay;

		/**
		 * Maximum input plus output tokens per day.
		 */
		private Long tokensPerDay;

		public Long getRequestsPerMinute() {
			return this.requestsPerMinute;
		}

		public void setRequestsPerMinute(Long requestsPerMinute) {
			this.requestsPerMinute = requestsPerMinute;
		}

		public Long getInputTokensPerMinute() {
			return this.inputTokensPerMinute;
		}

		public void setInputTokensPerMinute(Long inputTokensPerMinute) {
			this.inputTokensPerMinute = inputTokensPerMinute;
		}

		public Long getOutputTokensPerMinute() {
			return this.outputTokensPerMinute;
		}

		public void setOutputTokensPerMinute(Long outputTokensPerMinute) {
			this.outputTokensPerMinute = outputTokensPerMinute;
		}

		public Long getTokensPerMinute() {
			return this.tokensPerMinute;
		}

		public void setTokensPerMinute(Long tokensPerMinute) {
			this.tokensPerMinute = tokensPerMinute;
		}

		public Long getRequestsPerDay() {
			return this.requestsPerDay;
		}

		public void setRequestsPerDay(Long requestsPerDay) {
			this.requestsPerDay = requestsPerDay;
		}

		public Long getTokensPerDay() {
			return this.tokensPerDay;
		}

		public void setTokensPerDay(Long tokensPerDay) {
			this.tokensPerDay = tokensPerDay;
		}

	}

	/**
	 * Limits of one provider bucket, shared by every model that names the pool. Unset
	 * values are inherited from the base config; after that at least one limit must be
	 * set.
	 */
	public static class PoolProperties extends LimitProperties {

		/**
		 * Name of another pool whose values this one inherits and may override. It forms
		 * a chain that must end and must not loop.
		 */
		private String baseConfig;

		/**
		 * Provider of the bucket. It selects how response headers are read and the
		 * default of cache-read accounting. Inherited from the base config, else "other".
		 */
		private Provider provider;

		/**
		 * Maximum number of requests in flight at once.
		 */
		private Integer maxConcurrency;

		/**
		 * Longest burst a per-minute bucket may absorb. Inherited from the base config,
		 * else one minute.
		 */
		private Duration burstHorizon;

		/**
		 * Names of the API keys the pool's models may be called with when each has
		 * provider limits of its own, each limited as configured here. Names only, never
		 * the secrets. Inherited from the base config when unset.
		 */
		private List<String> apiKeys;

		/**
		 * Name of the scope (an entry of "llm.quota.scopes") whose limits, and those of
		 * its ancestors, the pool's requests are also held to. Inherited from the base
		 * config when unset.
		 */
		private String scope;

		public String getBaseConfig() {
			return this.baseConfig;
		}

		public void setBaseConfig(String baseConfig) {
			this.baseConfig = baseConfig;
		}

		public Provider getProvider() {
			return this.provider;
		}

		public void setProvider(Provider provider) {
			this.provider = provider;
		}

		public Integer getMaxConcurrency() {
			return this.maxConcurrency;
		}

		public void setMaxConcurrency(Integer maxConcurrency) {
			this.maxConcurrency = maxConcurrency;
		}

		public Duration getBurstHorizon() {
			return this.burstHorizon;
		}

		public void setBurstHorizon(Duration burstHorizon) {
			this.burstHorizon = burstHorizon;
		}

		public List<String> getApiKeys() {
			return this.apiKeys;
		}

		public void setApiKeys(List<String> apiKeys) {
			this.apiKeys = apiKeys;
		}

		public String getScope() {
			return this.scope;
		}

		public void setScope(String scope) {
			this.scope = scope;
		}

	}

	/**
	 * Limits of one scope (an organisation, project or workspace) that the pools below it
	 * share. Unset limits are not enforced at this level; each set one must not exceed
	 * the parent's limit of the same dimension.
	 */
	public static class ScopeProperties extends LimitProperties {

		/**
		 * Name of the scope above this one, or unset for a root. The chain must end and
		 * must not loop.
		 */
		private String parent;

		/**
		 * Maximum number of requests of all the scope's pools in flight at once.
		 */
		private Integer maxConcurrency;

		/**
		 * Longest burst a per-minute bucket of the scope may absorb. Unset means one
		 * minute.
		 */
		private Duration burstHorizon;

		/**
		 * Provider level whose limits this scope mirrors: the provider's rate-limit
		 * readings of that level (OpenAI's project-token headers for "project") tighten
		 * this scope instead of the pool. Unset: the scope mirrors none, and such
		 * readings tighten the pool. At most one scope of a chain may mirror a level.
		 */
		private ProviderScope providerScope;

		public String getParent() {
			return this.parent;
		}

		public void setParent(String parent) {
			this.parent = parent;
		}

		public Integer getMaxConcurrency() {
			return this.maxConcurrency;
		}

		public void setMaxConcurrency(Integer maxConcurrency) {
			this.maxConcurrency = maxConcurrency;
		}

		public Duration getBurstHorizon() {
			return this.burstHorizon;
		}

		public void setBurstHorizon(Duration burstHorizon) {
			this.burstHorizon = burstHorizon;
		}

		public ProviderScope getProviderScope() {
			return this.providerScope;
		}

		public void setProviderScope(ProviderScope providerScope) {
			this.providerScope = providerScope;
		}

	}

	/**
	 * Limits of one model. Unset limits are not enforced; at least one must be set.
	 */
	public static class ModelProperties {

		/**
		 * Provider of the model. It selects the accounting profile and how response
		 * headers are read.
		 */
		private Provider provider = Provider.OTHER;

		/**
		 * Pool the model draws from. When it names an entry of "llm.quota.pools", the
		 * model takes that pool's limits and must set none of its own. Otherwise
		 * (deprecated) models that share one provider bucket name the same pool and must
		 * repeat the same limits. Defaults to the model name.
		 */
		private String pool;

		/**
		 * Maximum requests per minute.
		 */
		private Long requestsPerMinute;

		/**
		 * Maximum input tokens per minute (Anthropic ITPM).
		 */
		private Long inputTokensPerMinute;

		/**
		 * Maximum output tokens per minute (Anthropic OTPM).
		 */
		private Long outputTokensPerMinute;

		/**
		 * Maximum input plus output tokens per minute (OpenAI TPM).
		 */
		private Long tokensPerMinute;

		/**
		 * Maximum requests per day.
		 */
		private Long requestsPerDay;

		/**
		 * Maximum input plus output tokens per day.
		 */
		private Long tokensPerDay;

		/**
		 * Maximum number of requests in flight at once.
		 */
		private Integer maxConcurrency;

		/**
		 * Longest burst a per-minute bucket may absorb. A full minute lets a pool spend
		 * its whole minute at once; a shorter horizon spreads requests the way providers
		 * that enforce per-second slices expect. Unset means one minute.
		 */
		private Duration burstHorizon;

		/**
		 * Whether prompt-cache reads count toward input-token limits. Defaults by
		 * provider: false for Anthropic (true for Claude Haiku 3.5), true for all others.
		 */
		private Boolean cacheReadsCountAsInput;

		/**
		 * Names of the API keys the model may be called with when each has provider
		 * limits of its own (a key per project or organisation), each limited as
		 * configured here. A call goes to the key with the most headroom, and its lease
		 * tells which. Names only, never the secrets.
		 */
		private List<String> apiKeys = new ArrayList<>();

		public Provider getProvider() {
			return this.provider;
		}

		public void setProvider(Provider provider) {
			this.provider = provider;
		}

		public String getPool() {
			return this.pool;
		}

		public void setPool(String pool) {
			this.pool = pool;
		}

		public Long getRequestsPerMinute() {
			return this.requestsPerMinute;
		}

		public void setRequestsPerMinute(Long requestsPerMinute) {
			this.requestsPerMinute = requestsPerMinute;
		}

		public Long getInputTokensPerMinute() {
			return this.inputTokensPerMinute;
		}

		public void setInputTokensPerMinute(Long inputTokensPerMinute) {
			this.inputTokensPerMinute = inputTokensPerMinute;
		}

		public Long getOutputTokensPerMinute() {
			return this.outputTokensPerMinute;
		}

		public void setOutputTokensPerMinute(Long outputTokensPerMinute) {
			this.outputTokensPerMinute = outputTokensPerMinute;
		}

		public Long getTokensPerMinute() {
			return this.tokensPerMinute;
		}

		public void setTokensPerMinute(Long tokensPerMinute) {
			this.tokensPerMinute = tokensPerMinute;
		}

		public Long getRequestsPerDay() {
			return this.requestsPerDay;
		}

		public void setRequestsPerDay(Long requestsPerDay) {
			this.requestsPerDay = requestsPerDay;
		}

		public Long getTokensPerDay() {
			return this.tokensPerDay;
		}

		public void setTokensPerDay(Long tokensPerDay) {
			this.tokensPerDay = tokensPerDay;
		}

		public Integer getMaxConcurrency() {
			return this.maxConcurrency;
		}

		public void setMaxConcurrency(Integer maxConcurrency) {
			this.maxConcurrency = maxConcurrency;
		}

		public Duration getBurstHorizon() {
			return this.burstHorizon;
		}

		public void setBurstHorizon(Duration burstHorizon) {
			this.burstHorizon = burstHorizon;
		}

		public Boolean getCacheReadsCountAsInput() {
			return this.cacheReadsCountAsInput;
		}

		public void setCacheReadsCountAsInput(Boolean cacheReadsCountAsInput) {
			this.cacheReadsCountAsInput = cacheReadsCountAsInput;
		}

		public List<String> getApiKeys() {
			return this.apiKeys;
		}

		public void setApiKeys(List<String> apiKeys) {
			this.apiKeys = apiKeys;
		}

	}

	/**
	 * How rejected governed calls reach HTTP callers.
	 */
	private final Web web = new Web();

	public Web getWeb() {
		return this.web;
	}

	/**
	 * How rejected governed calls reach HTTP callers of a Spring MVC or WebFlux
	 * application.
	 */
	public static class Web {

		/**
		 * The problem responses that rejected calls become.
		 */
		private final ProblemDetails problemDetails = new ProblemDetails();

		public ProblemDetails getProblemDetails() {
			return this.problemDetails;
		}

		/**
		 * The problem responses that rejected calls become.
		 */
		public static class ProblemDetails {

			/**
			 * Whether a quota rejection that reaches a controller becomes an RFC 9457
			 * problem response (429, 413 or 503) with Retry-After and the IETF
			 * RateLimit-Policy and RateLimit fields.
			 */
			private boolean enabled = true;

			public boolean isEnabled() {
				return this.enabled;
			}

			public void setEnabled(boolean enabled) {
				this.enabled = enabled;
			}

		}

	}

	/**
	 * Rolling llm-quota out: shadow mode, and changing pools at runtime.
	 */
	private final Rollout rollout = new Rollout();

	public Rollout getRollout() {
		return this.rollout;
	}

	/**
	 * Rolling llm-quota out: which requests run in shadow mode (decided, charged and
	 * reported, but never delayed or rejected), and whether operators may change pools at
	 * runtime through the llmquota endpoint.
	 */
	public static class Rollout {

		/**
		 * Whether every request runs in shadow mode: admitted at once whatever the
		 * decision, which is recorded in metrics and the endpoint instead.
		 */
		private boolean shadow;

		/**
		 * Pools whose requests run in shadow mode.
		 */
		private Set<String> shadowPools = new LinkedHashSet<>();

		/**
		 * Priority classes whose requests run in shadow mode, in every pool.
		 */
		private Set<String> shadowClasses = new LinkedHashSet<>();

		/**
		 * Whether the llmquota endpoint's write and delete operations may change pools at
		 * runtime (limits, paused classes, the adaptive multiplier, shadow mode) for the
		 * whole fleet. Actuator's exposure, access and security rules apply on top.
		 */
		private boolean liveChangesEnabled;

		public boolean isShadow() {
			return this.shadow;
		}

		public void setShadow(boolean shadow) {
			this.shadow = shadow;
		}

		public Set<String> getShadowPools() {
			return this.shadowPools;
		}

		public void setShadowPools(Set<String> shadowPools) {
			this.shadowPools = shadowPools;
		}

		public Set<String> getShadowClasses() {
			return this.shadowClasses;
		}

		public void setShadowClasses(Set<String> shadowClasses) {
			this.shadowClasses = shadowClasses;
		}

		public boolean isLiveChangesEnabled() {
			return this.liveChangesEnabled;
		}

		public void setLiveChangesEnabled(boolean liveChangesEnabled) {
			this.liveChangesEnabled = liveChangesEnabled;
		}

	}

	private final Pressure pressure = new Pressure();

	public Pressure getPressure() {
		return this.pressure;
	}

	/**
	 * When a pool is under pressure, which is what mitigation acts on: a queue that takes
	 * long to drain, recent provider 429s or an exhausted quota. Utilisation alone is not
	 * pressure.
	 */
	public static class Pressure {

		/**
		 * Maximum time a pool's queue may take to drain (the head's ETA plus one refill
		 * interval of the pool's planned request rate per request behind it) before the
		 * pool is under pressure.
		 */
		private Duration maxQueueDrain = Duration.ofSeconds(5);

		public Duration getMaxQueueDrain() {
			return this.maxQueueDrain;
		}

		public void setMaxQueueDrain(Duration maxQueueDrain) {
			this.maxQueueDrain = maxQueueDrain;
		}

	}

	private final Batch batch = new Batch();

	public Batch getBatch() {
		return this.batch;
	}

	/**
	 * The batch valve: deferrable calls go to the provider's batch API (half price,
	 * results within 24 hours) while their pool is under pressure (see
	 * llm.quota.pressure).
	 */
	public static class Batch {

		/**
		 * Whether deferrable calls may go to their provider's batch API while their pool
		 * is under pressure. Needs Redis and a BatchProvider bean per provider to batch
		 * (one is auto-configured for an AnthropicClient bean, one for an OpenAIClient
		 * bean).
		 */
		private boolean enabled;

		/**
		 * Maximum number of calls in one batch.
		 */
		private int maxBatchSize = 100;

		/**
		 * Maximum time a deferred call waits for its batch to fill before a smaller batch
		 * is sent.
		 */
		private Duration maxBatchAge = Duration.ofSeconds(10);

		/**
		 * Maximum number of calls of one pool in the provider's batch processing queue,
		 * fleet-wide: the provider's "batch requests in processing queue" limit.
		 */
		private long maxQueuedRequests = 100_000;

		/**
		 * Maximum input tokens of one pool's calls in the provider's batch processing
		 * queue, fleet-wide: OpenAI's "enqueued tokens" batch limit of the pool's model.
		 * Unset means no limit on tokens (Anthropic's queue limit is in requests).
		 */
		private Long maxQueuedTokens;

		/**
		 * Priority classes whose @LlmRateLimited calls are deferrable, as if annotated
		 * with deferrable = true: sent to the batch API while their pool is under
		 * pressure. Only batchable methods are (an SDK request argument, a
		 * CompletableFuture or Mono of the SDK response); others are called as usual.
		 */
		private List<String> deferrableClasses = new ArrayList<>();

		/**
		 * How long after submission a batch is first polled.
		 */
		private Duration firstPoll = Duration.ofSeconds(30);

		/**
		 * Maximum interval between two polls of a batch; the interval doubles from the
		 * first poll's up to it.
		 */
		private Duration maxPoll = Duration.ofMinutes(5);

		/**
		 * How often each instance sends due batches, polls due ones and delivers results.
		 */
		private Duration interval = Duration.ofSeconds(1);

		/**
		 * Longest a caller waits for a deferred call's result before its future fails; a
		 * result that comes later goes to the BatchResultListener bean. The providers end
		 * a batch within 24 hours.
		 */
		private Duration resultTimeout = Duration.ofHours(25);

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public int getMaxBatchSize() {
			return this.maxBatchSize;
		}

		public void setMaxBatchSize(int maxBatchSize) {
			this.maxBatchSize = maxBatchSize;
		}

		public Duration getMaxBatchAge() {
			return this.maxBatchAge;
		}

		public void setMaxBatchAge(Duration maxBatchAge) {
			this.maxBatchAge = maxBatchAge;
		}

		public long getMaxQueuedRequests() {
			return this.maxQueuedRequests;
		}

		public void setMaxQueuedRequests(long maxQueuedRequests) {
			this.maxQueuedRequests = maxQueuedRequests;
		}

		public Long getMaxQueuedTokens() {
			return this.maxQueuedTokens;
		}

		public void setMaxQueuedTokens(Long maxQueuedTokens) {
			this.maxQueuedTokens = maxQueuedTokens;
		}

		public List<String> getDeferrableClasses() {
			return this.deferrableClasses;
		}

		public void setDeferrableClasses(List<String> deferrableClasses) {
			this.deferrableClasses = deferrableClasses;
		}

		public Duration getFirstPoll() {
			return this.firstPoll;
		}

		public void setFirstPoll(Duration firstPoll) {
			this.firstPoll = firstPoll;
		}

		public Duration getMaxPoll() {
			return this.maxPoll;
		}

		public void setMaxPoll(Duration maxPoll) {
			this.maxPoll = maxPoll;
		}

		public Duration getResultTimeout() {
			return this.resultTimeout;
		}

		public void setResultTimeout(Duration resultTimeout) {
			this.resultTimeout = resultTimeout;
		}

		public Duration getInterval() {
			return this.interval;
		}

		public void setInterval(Duration interval) {
			this.interval = interval;
		}

	}

	private final Streaming streaming = new Streaming();

	public Streaming getStreaming() {
		return this.streaming;
	}

	/**
	 * Streaming calls, accounted as they flow.
	 */
	public static class Streaming {

		/**
		 * Output tokens a stream produces between two charges to its lease. Each charge
		 * is one Redis script call.
		 */
		private long chargeEveryTokens = 500;

		/**
		 * Maximum time between two charges of a stream while chunks arrive; each charge
		 * also keeps the lease for another lease-timeout. Must be shorter than
		 * lease-timeout.
		 */
		private Duration chargeInterval = Duration.ofSeconds(1);

		public long getChargeEveryTokens() {
			return this.chargeEveryTokens;
		}

		public void setChargeEveryTokens(long chargeEveryTokens) {
			this.chargeEveryTokens = chargeEveryTokens;
		}

		public Duration getChargeInterval() {
			return this.chargeInterval;
		}

		public void setChargeInterval(Duration chargeInterval) {
			this.chargeInterval = chargeInterval;
		}

	}

	private final Tenants tenants = new Tenants();

	public Tenants getTenants() {
		return this.tenants;
	}

	/**
	 * Weighted fair shares between tenants inside each priority class.
	 */
	public static class Tenants {

		/**
		 * Whether each priority class's waiting capacity is shared between tenants in
		 * proportion to their weights, counted in tokens, instead of in arrival order.
		 */
		private boolean enabled;

		/**
		 * Weight of a tenant not listed in weights, and of requests without a tenant.
		 */
		private double defaultWeight = 1;

		/**
		 * Weight of each tenant, by tenant id: a tenant of weight 3 gets three times the
		 * tokens of a tenant of weight 1 while both wait in the same class.
		 */
		private Map<String, Double> weights = new LinkedHashMap<>();

		/**
		 * Limits of every tenant not listed in limits, in each pool. Requests without a
		 * tenant are not limited as a tenant.
		 */
		private UserLimit defaultLimits = new UserLimit();

		/**
		 * Limits of each tenant, by tenant id, in each pool: a request over its tenant's
		 * limit is rejected with TENANT_LIMIT, without waiting.
		 */
		private Map<String, UserLimit> limits = new LinkedHashMap<>();

		/**
		 * Most tenants the llmquota endpoint lists per pool, those with the most tokens
		 * waiting, then the most admitted in the last one to two minutes, where tenants
		 * are enabled.
		 */
		private int endpointLimit = 10;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public double getDefaultWeight() {
			return this.defaultWeight;
		}

		public void setDefaultWeight(double defaultWeight) {
			this.defaultWeight = defaultWeight;
		}

		public Map<String, Double> getWeights() {
			return this.weights;
		}

		public void setWeights(Map<String, Double> weights) {
			this.weights = weights;
		}

		public UserLimit getDefaultLimits() {
			return this.defaultLimits;
		}

		public void setDefaultLimits(UserLimit defaultLimits) {
			this.defaultLimits = defaultLimits;
		}

		public Map<String, UserLimit> getLimits() {
			return this.limits;
		}

		public int getEndpointLimit() {
			return this.endpointLimit;
		}

		public void setEndpointLimit(int endpointLimit) {
			this.endpointLimit = endpointLimit;
		}

		public void setLimits(Map<String, UserLimit> limits) {
			this.limits = limits;
		}

	}

	private final Prices prices = new Prices();

	/**
	 * Cost budgets by name: an amount of money per calendar window that the calls of a
	 * pool may spend, reserved at their worst case before they are sent.
	 */
	private Map<String, BudgetProperties> budgets = new LinkedHashMap<>();

	public Prices getPrices() {
		return this.prices;
	}

	public Map<String, BudgetProperties> getBudgets() {
		return this.budgets;
	}

	public void setBudgets(Map<String, BudgetProperties> budgets) {
		this.budgets = budgets;
	}

	/**
	 * Prices of the models, for cost budgets and for the money the batch valve saves.
	 */
	public static class Prices {

		/**
		 * Currency of every price and budget amount, as its ISO 4217 code. The built-in
		 * table is in USD and applies only when this is USD.
		 */
		private String currency = "USD";

		/**
		 * Whether the built-in table of list prices (USD per million tokens, as of the
		 * date its file states) prices the models that models does not.
		 */
		private boolean builtInTable = true;

		/**
		 * Price per million tokens of each model, by model name as the provider names it;
		 * overrides the built-in table.
		 */
		private Map<String, ModelPriceProperties> models = new LinkedHashMap<>();

		public String getCurrency() {
			return this.currency;
		}

		public void setCurrency(String currency) {
			this.currency = currency;
		}

		public boolean isBuiltInTable() {
			return this.builtInTable;
		}

		public void setBuiltInTable(boolean builtInTable) {
			this.builtInTable = builtInTable;
		}

		public Map<String, ModelPriceProperties> getModels() {
			return this.models;
		}

		public void setModels(Map<String, ModelPriceProperties> models) {
			this.models = models;
		}

	}

	/**
	 * The price of one model, per million tokens, in the currency of the prices.
	 */
	public static class ModelPriceProperties {

		/**
		 * Price of a million uncached input tokens.
		 */
		private BigDecimal input;

		/**
		 * Price of a million output tokens.
		 */
		private BigDecimal output;

		/**
		 * Price of a million input tokens written to the prompt cache. Unset: the input
		 * price.
		 */
		private BigDecimal cacheWrite;

		/**
		 * Price of a million input tokens read from the prompt cache. Unset: the input
		 * price.
		 */
		private BigDecimal cacheRead;

		public BigDecimal getInput() {
			return this.input;
		}

		public void setInput(BigDecimal input) {
			this.input = input;
		}

		public BigDecimal getOutput() {
			return this.output;
		}

		public void setOutput(BigDecimal output) {
			this.output = output;
		}

		public BigDecimal getCacheWrite() {
			return this.cacheWrite;
		}

		public void setCacheWrite(BigDecimal cacheWrite) {
			this.cacheWrite = cacheWrite;
		}

		public BigDecimal getCacheRead() {
			return this.cacheRead;
		}

		public void setCacheRead(BigDecimal cacheRead) {
			this.cacheRead = cacheRead;
		}

	}

	/**
	 * One cost budget.
	 */
	public static class BudgetProperties {

		/**
		 * Money the calls under the budget may spend per window, in the currency of the
		 * prices.
		 */
		private BigDecimal amount;

		/**
		 * Calendar window the amount is counted over.
		 */
		private BudgetWindow window = BudgetWindow.MONTH;

		/**
		 * Period a rolling window counts spend over, in 24 slots: spend frees a 24th of
		 * it at a time.
		 */
		private Duration rollingPeriod = Duration.ofDays(1);

		/**
		 * Time zone whose local midnights start and end the windows.
		 */
		private ZoneId zone = ZoneId.of("UTC");

		/**
		 * First day of a week, for weekly windows.
		 */
		private DayOfWeek weekStart = DayOfWeek.MONDAY;

		/**
		 * Pool or scope whose calls count against the budget: a scope's budget is charged
		 * by every pool under it, at any depth.
		 */
		private String appliesTo;

		/**
		 * Whether each user has the whole amount to themselves; calls without a user
		 * share one.
		 */
		private boolean perUser;

		/**
		 * Whether each tenant has the whole amount to itself; calls without a tenant
		 * share one.
		 */
		private boolean perTenant;

		/**
		 * Share of the amount spent or reserved that raises the warning alert.
		 */
		private double warnThreshold = 0.80;

		/**
		 * Share of the amount spent or reserved that raises the critical alert.
		 */
		private double criticalThreshold = 0.90;

		/**
		 * Whether a call whose worst-case cost would take the budget past its amount is
		 * rejected (BUDGET_EXHAUSTED) until the window ends; otherwise spend is only
		 * counted and alerted on.
		 */
		private boolean hardCap = true;

		public BigDecimal getAmount() {
			return this.amount;
		}

		public void setAmount(BigDecimal amount) {
			this.amount = amount;
		}

		public BudgetWindow getWindow() {
			return this.window;
		}

		public void setWindow(BudgetWindow window) {
			this.window = window;
		}

		public Duration getRollingPeriod() {
			return this.rollingPeriod;
		}

		public void setRollingPeriod(Duration rollingPeriod) {
			this.rollingPeriod = rollingPeriod;
		}

		public ZoneId getZone() {
			return this.zone;
		}

		public void setZone(ZoneId zone) {
			this.zone = zone;
		}

		public DayOfWeek getWeekStart() {
			return this.weekStart;
		}

		public void setWeekStart(DayOfWeek weekStart) {
			this.weekStart = weekStart;
		}

		public String getAppliesTo() {
			return this.appliesTo;
		}

		public void setAppliesTo(String appliesTo) {
			this.appliesTo = appliesTo;
		}

		public boolean isPerUser() {
			return this.perUser;
		}

		public void setPerUser(boolean perUser) {
			this.perUser = perUser;
		}

		public boolean isPerTenant() {
			return this.perTenant;
		}

		public void setPerTenant(boolean perTenant) {
			this.perTenant = perTenant;
		}

		public double getWarnThreshold() {
			return this.warnThreshold;
		}

		public void setWarnThreshold(double warnThreshold) {
			this.warnThreshold = warnThreshold;
		}

		public double getCriticalThreshold() {
			return this.criticalThreshold;
		}

		public void setCriticalThreshold(double criticalThreshold) {
			this.criticalThreshold = criticalThreshold;
		}

		public boolean isHardCap() {
			return this.hardCap;
		}

		public void setHardCap(boolean hardCap) {
			this.hardCap = hardCap;
		}

	}

}
