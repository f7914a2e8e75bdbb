package io.github.llmquota.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

import io.github.llmquota.autoconfigure.LlmQuotaProperties.ModelProperties;
import io.github.llmquota.autoconfigure.LlmQuotaProperties.LimitProperties;
import io.github.llmquota.autoconfigure.LlmQuotaProperties.PoolProperties;
import io.github.llmquota.autoconfigure.LlmQuotaProperties.PriorityClassProperties;
import io.github.llmquota.autoconfigure.LlmQuotaProperties.ScopeProperties;
import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.ProviderScope;
import io.github.llmquota.core.Provider;
import io.github.llmquota.core.ProviderProfile;
import io.github.llmquota.engine.FeedbackSettings;
import io.github.llmquota.engine.ModelSpec;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.PriorityClass;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.RateLimit;
import io.github.llmquota.engine.ScopeSpec;
import io.github.llmquota.engine.ShadowMode;
import io.github.llmquota.engine.TenantWeights;
import io.github.llmquota.engine.UserLimits;
import io.github.llmquota.fallback.FallbackChainSettings;

/**
 * Validates {@link LlmQuotaProperties} and turns them into {@link QuotaSettings}. Every
 * failure names the property to fix.
 */
final class QuotaSettingsFactory {

	private static final String PREFIX = "llm.quota.";

	// A per-minute bucket may absorb a whole minute at once unless configured otherwise.
	private static final Duration DEFAULT_BURST_HORIZON = Duration.ofMinutes(1);

	// Pool names and the key prefix become part of Redis keys: no braces (hash tags), no
	// spaces.
	private static final Pattern KEY_SAFE = Pattern.compile("[A-Za-z0-9._:/-]{1,100}");

	// API key names become part of pool names; secrets would not fit, which is intended.
	private static final Pattern API_KEY_NAME = Pattern.compile("[A-Za-z0-9_-]{1,40}");

	private static final Map<Dimension, String> LIMIT_PROPERTIES = new LinkedHashMap<>();

	private static final Map<Dimension, Function<ModelProperties, Long>> LIMIT_GETTERS = new LinkedHashMap<>();

	// A pool's and a scope's limits alike.
	private static final Map<Dimension, Function<LimitProperties, Long>> LIMIT_PROPERTY_GETTERS = new LinkedHashMap<>();

	static {
		limit(Dimension.REQUESTS_PER_MINUTE, "requests-per-minute", ModelProperties::getRequestsPerMinute,
				LimitProperties::getRequestsPerMinute);
		limit(Dimension.INPUT_TOKENS_PER_MINUTE, "input-tokens-per-minute", ModelProperties::getInputTokensPerMinute,
				LimitProperties::getInputTokensPerMinute);
		limit(Dimension.OUTPUT_TOKENS_PER_MINUTE, "output-tokens-per-minute", ModelProperties::getOutputTokensPerMinute,
				LimitProperties::getOutputTokensPerMinute);
		limit(Dimension.TOKENS_PER_MINUTE, "tokens-per-minute", ModelProperties::getTokensPerMinute,
				LimitProperties::getTokensPerMinute);
		limit(Dimension.REQUESTS_PER_DAY, "requests-per-day", ModelProperties::getRequestsPerDay,
				LimitProperties::getRequestsPerDay);
		limit(Dimension.TOKENS_PER_DAY, "tokens-per-day", ModelProperties::getTokensPerDay,
				LimitProperties::getTokensPerDay);
	}

	private QuotaSettingsFactory() {
	}

	private static void limit(Dimension dimension, String property, Function<ModelProperties, Long> getter,
			Function<LimitProperties, Long> poolGetter) {
		LIMIT_PROPERTIES.put(dimension, property);
		LIMIT_GETTERS.put(dimension, getter);
		LIMIT_PROPERTY_GETTERS.put(dimension, poolGetter);
	}

	static QuotaSettings create(LlmQuotaProperties properties) {
		double margin = properties.getSafetyMargin();
		check(margin >= 0 && margin < 1, "safety-margin", margin, "must be in [0, 1)");
		check(properties.getKeyPrefix() != null && KEY_SAFE.matcher(properties.getKeyPrefix()).matches(), "key-prefix",
				properties.getKeyPrefix(), "must be 1-100 of A-Z a-z 0-9 . _ : / -");
		positive("lease-timeout", properties.getLeaseTimeout());
		positive("heartbeat-interval", properties.getHeartbeatInterval());
		check(properties.getAdmissionLookahead() != null && !properties.getAdmissionLookahead().isNegative(),
				"admission-lookahead", properties.getAdmissionLookahead(), "must not be negative");
		positive("redis.timeout", properties.getRedis().getTimeout());
		positive("redis.retry-interval", properties.getRedis().getRetryInterval());
		check(properties.getQueueCapacity() >= 0, "queue-capacity", properties.getQueueCapacity(),
				"must not be negative");
		List<PriorityClass> classes = priorityClasses(properties.getPriorityClasses());
		check(classes.stream().anyMatch((c) -> c.name().equals(properties.getDefaultPriority())), "default-priority",
				properties.getDefaultPriority(),
				"must name one of the priority classes " + classes.stream().map(PriorityClass::name).toList());
		Map<String, List<ModelSpec>> apiKeys = new LinkedHashMap<>();
		Map<String, ModelSpec> models = models(properties, margin, apiKeys);
		QuotaSettings settings = new QuotaSettings(models, apiKeys, classes, properties.getDefaultPriority(),
				properties.getLeaseTimeout(), properties.getQueueCapacity(), properties.getHeartbeatInterval(),
				feedback(properties.getFeedback()), properties.getAdmissionLookahead());
		// Checked here too, so that a bad chain stops startup even where no chain bean is
		// made.
		fallback(properties, settings);
		return settings.withShadowMode(shadowMode(properties.getRollout(), settings))
			.withBudgets(BudgetSettingsFactory.budgets(properties, settings));
	}

	private static ShadowMode shadowMode(LlmQuotaProperties.Rollout rollout, QuotaSettings settings) {
		for (String pool : rollout.getShadowPools()) {
			check(settings.pools().containsKey(pool), "rollout.shadow-pools", pool,
					"must name configured pools " + settings.pools().keySet().stream().sorted().toList());
		}
		List<String> classes = settings.classes().stream().map(PriorityClass::name).toList();
		for (String priorityClass : rollout.getShadowClasses()) {
			check(classes.contains(priorityClass), "rollout.shadow-classes", priorityClass,
					"must name priority classes " + classes);
		}
		return new ShadowMode(rollout.isShadow(), rollout.getShadowPools(), rollout.getShadowClasses());
	}

	static FallbackChainSettings fallback(LlmQuotaProperties properties, QuotaSettings settings) {
		Map<String, List<String>> chains = new LinkedHashMap<>();
		properties.getFallbackChains().forEach((name, models) -> {
			String property = "fallback-chains." + name;
			check(models != null && !models.isEmpty(), property, models, "must name at least one model");
			Set<String> seen = new HashSet<>();
			for (String model : models) {
				check(settings.models().containsKey(model), property, model,
						"names no configured model " + settings.models().keySet().stream().sorted().toList());
				check(seen.add(model), property, model, "names the model twice");
			}
			chains.put(name, List.copyOf(models));
		});
		LlmQuotaProperties.Fallback fallback = properties.getFallback();
		positiveOrZero("fallback.attempt-wait", fallback.getAttemptWait());
		List<String> classNames = settings.classes().stream().map(PriorityClass::name).toList();
		List<String> low = fallback.getLowPriorities();
		if (low == null || low.isEmpty()) {
			// The two lowest classes, but never the highest: it always keeps its model.
			low = classNames.subList(Math.max(1, classNames.size() - 2), classNames.size());
		}
		for (String name : low) {
			check(classNames.contains(name), "fallback.low-priorities", name,
					"must name one of the priority classes " + classNames);
		}
		return new FallbackChainSettings(chains, maxQueueDrain(properties), Set.copyOf(low), fallback.getAttemptWait());
	}

	/**
	 * Return the validated bound on a pool's queue drain time, which the fallback chain
	 * and the threshold monitor's mitigation both judge pressure by.
	 */
	static Duration maxQueueDrain(LlmQuotaProperties properties) {
		Duration maxQueueDrain = properties.getPressure().getMaxQueueDrain();
		positiveOrZero("pressure.max-queue-drain", maxQueueDrain);
		return maxQueueDrain;
	}

	private static FeedbackSettings feedback(LlmQuotaProperties.FeedbackProperties feedback) {
		check(feedback.getMultiplierCut() > 0 && feedback.getMultiplierCut() < 1, "feedback.multiplier-cut",
				feedback.getMultiplierCut(), "must be in (0, 1)");
		check(feedback.getMultiplierFloor() > 0 && feedback.getMultiplierFloor() <= 1, "feedback.multiplier-floor",
				feedback.getMultiplierFloor(), "must be in (0, 1]");
		check(feedback.getMultiplierRecovery() >= 0 && feedback.getMultiplierRecovery() <= 1,
				"feedback.multiplier-recovery", feedback.getMultiplierRecovery(), "must be in [0, 1]");
		positive("feedback.overload-cooldown", feedback.getOverloadCooldown());
		positive("feedback.max-overload-cooldown", feedback.getMaxOverloadCooldown());
		positive("feedback.max-cooldown", feedback.getMaxCooldown());
		positive("feedback.exhausted-hold", feedback.getExhaustedHold());
		return new FeedbackSettings(feedback.getMultiplierCut(), feedback.getMultiplierFloor(),
				feedback.getMultiplierRecovery(), feedback.getOverloadCooldown(), feedback.getMaxOverloadCooldown(),
				feedback.getMaxCooldown(), feedback.getExhaustedHold());
	}

	private static Map<String, UserLimits> userLimits(LlmQuotaProperties properties, Set<String> pools) {
		Map<String, UserLimits> result = new HashMap<>();
		properties.getUserLimits().forEach((pool, limits) -> {
			String property = "user-limits." + pool;
			check(pools.contains(pool), property, pool, "names no configured pool " + pools.stream().sorted().toList());
			Map<String, List<RateLimit>> overrides = new LinkedHashMap<>();
			limits.getOverrides()
				.forEach((user, limit) -> overrides.put(user, userRates(property + ".overrides." + user + ".", limit)));
			result.put(pool,
					new UserLimits(userRates(property + ".defaults.", limits.getDefaults()), Map.copyOf(overrides)));
		});
		return result;
	}

	private static TenantWeights tenants(LlmQuotaProperties.Tenants tenants) {
		if (!tenants.isEnabled()) {
			return null;
		}
		checkWeight("tenants.default-weight", tenants.getDefaultWeight());
		tenants.getWeights().forEach((tenant, weight) -> checkWeight("tenants.weights." + tenant, weight));
		return new TenantWeights(tenants.getDefaultWeight(), tenants.getWeights());
	}

	private static UserLimits tenantLimits(LlmQuotaProperties.Tenants tenants) {
		Map<String, List<RateLimit>> overrides = new LinkedHashMap<>();
		tenants.getLimits()
			.forEach((tenant, limit) -> overrides.put(tenant, userRates("tenants.limits." + tenant + ".", limit)));
		List<RateLimit> defaults = userRates("tenants.default-limits.", tenants.getDefaultLimits());
		return (defaults.isEmpty() && overrides.isEmpty()) ? null : new UserLimits(defaults, Map.copyOf(overrides));
	}

	private static void checkWeight(String property, Double weight) {
		check(weight != null && weight > 0 && !weight.isInfinite(), property, weight, "must be positive and finite");
	}

	private static List<RateLimit> userRates(String property, LlmQuotaProperties.UserLimit limit) {
		List<RateLimit> rates = new ArrayList<>();
		userRate(rates, property + "requests-per-minute", Dimension.REQUESTS_PER_MINUTE, limit.getRequestsPerMinute());
		userRate(rates, property + "input-tokens-per-minute", Dimension.INPUT_TOKENS_PER_MINUTE,
				limit.getInputTokensPerMinute());
		userRate(rates, property + "output-tokens-per-minute", Dimension.OUTPUT_TOKENS_PER_MINUTE,
				limit.getOutputTokensPerMinute());
		userRate(rates, property + "tokens-per-minute", Dimension.TOKENS_PER_MINUTE, limit.getTokensPerMinute());
		userRate(rates, property + "tokens-per-day", Dimension.TOKENS_PER_DAY, limit.getTokensPerDay());
		return List.copyOf(rates);
	}

	private static void userRate(List<RateLimit> rates, String property, Dimension dimension, Long limit) {
		if (limit != null) {
			check(limit > 0, property, limit, "must be positive");
			// A user's limit is ours, not the provider's: no safety margin applies.
			rates.add(RateLimit.of(dimension, limit, 0, dimension.getWindow().toMillis()));
		}
	}

	private static List<PriorityClass> priorityClasses(List<PriorityClassProperties> list) {
		check(list != null && !list.isEmpty(), "priority-classes", list, "must define at least one class");
		List<PriorityClass> classes = new ArrayList<>();
		Set<String> names = new HashSet<>();
		for (int i = 0; i < list.size(); i++) {
			PriorityClassProperties p = list.get(i);
			String property = "priority-classes[" + i + "].";
			check(p.getName() != null && !p.getName().isBlank(), property + "name", p.getName(), "must not be blank");
			check(names.add(p.getName()), property + "name", p.getName(), "is defined twice");
			check(p.getReserve() >= 0 && p.getReserve() < 1, property + "reserve", p.getReserve(), "must be in [0, 1)");
			check(p.getQueueCapacity() >= 0, property + "queue-capacity", p.getQueueCapacity(), "must not be negative");
			check(p.getMaxWait() != null && !p.getMaxWait().isNegative(), property + "max-wait", p.getMaxWait(),
					"must not be negative");
			classes.add(new PriorityClass(p.getName(), i, p.getReserve(), p.getQueueCapacity(), p.getMaxWait()));
		}
		return classes;
	}

	private static Map<String, ModelSpec> models(LlmQuotaProperties properties, double margin,
			Map<String, List<ModelSpec>> apiKeys) {
		Map<String, PoolSpec> pools = new HashMap<>();
		Map<String, PoolSpec> keyPools = new HashMap<>();
		Map<String, String> poolOwners = new HashMap<>();
		Map<String, List<String>> poolModels = new LinkedHashMap<>();
		Map<String, ModelProperties> effective = withPoolLimits(properties);
		effective.forEach((name, model) -> {
			String pool = (model.getPool() != null) ? model.getPool() : name;
			poolModels.computeIfAbsent(pool, (k) -> new ArrayList<>()).add(name);
		});
		Map<String, UserLimits> userLimits = userLimits(properties, poolModels.keySet());
		TenantWeights tenants = tenants(properties.getTenants());
		Map<String, List<ScopeSpec>> scopeChains = scopeChains(properties, margin, poolModels.keySet());
		UserLimits tenantLimits = tenantLimits(properties.getTenants());
		Map<String, ModelSpec> models = new LinkedHashMap<>();
		effective.forEach((name, model) -> {
			String property = "models." + name + ".";
			String poolName = (model.getPool() != null) ? model.getPool() : name;
			check(KEY_SAFE.matcher(poolName).matches(), property + "pool", poolName,
					"must be 1-100 of A-Z a-z 0-9 . _ : / - (it becomes part of Redis keys)");
			check(model.getProvider() != null, property + "provider", null, "must be set");
			Duration burstHorizon = or(model.getBurstHorizon(), DEFAULT_BURST_HORIZON);
			positive(property + "burst-horizon", burstHorizon);
			List<RateLimit> rates = new ArrayList<>();
			LIMIT_GETTERS.forEach((dimension, getter) -> {
				Long limit = getter.apply(model);
				if (limit != null) {
					check(limit > 0, property + LIMIT_PROPERTIES.get(dimension), limit, "must be positive");
					rates.add(RateLimit.of(dimension, limit, margin, burstHorizon.toMillis()));
				}
			});
			Integer concurrency = model.getMaxConcurrency();
			if (concurrency != null) {
				check(concurrency > 0, property + "max-concurrency", concurrency, "must be positive");
			}
			check(!rates.isEmpty() || concurrency != null, "models." + name, "(no limits)",
					"must set at least one limit: " + String.join(", ", LIMIT_PROPERTIES.values())
							+ " or max-concurrency");
			List<ScopeSpec> chain = scopeChains.getOrDefault(poolName, List.of());
			PoolSpec pool = new PoolSpec(poolName, model.getProvider(), List.copyOf(rates),
					(concurrency != null) ? concurrency : 0, List.copyOf(poolModels.get(poolName)),
					userLimits.get(poolName), tenants, tenantLimits, chain);
			requireWithinScope(pool);
			PoolSpec existing = pools.putIfAbsent(poolName, pool);
			if (existing != null) {
				requireSamePool(existing, pool, poolOwners.get(poolName), name);
				pool = existing;
			}
			else {
				poolOwners.put(poolName, name);
			}
			boolean cacheReads = (model.getCacheReadsCountAsInput() != null) ? model.getCacheReadsCountAsInput()
					: ProviderProfile.of(model.getProvider()).cacheReadsCountAsInput(name);
			List<String> keys = apiKeys(property + "api-keys", model.getApiKeys());
			String firstModel = poolOwners.get(poolName);
			if (!firstModel.equals(name)) {
				check(keys.equals(apiKeys(property + "api-keys", effective.get(firstModel).getApiKeys())),
						property + "api-keys", keys, "conflicts with " + PREFIX + "models." + firstModel
								+ ".api-keys: models in pool '" + poolName + "' share their keys");
			}
			if (keys.isEmpty()) {
				models.put(name, new ModelSpec(name, pool, cacheReads));
				return;
			}
			// Each key has a bucket of its own at the provider, so a pool of its own
			// here.
			List<ModelSpec> specs = new ArrayList<>();
			for (String key : keys) {
				PoolSpec shared = pool;
				PoolSpec keyPool = keyPools.computeIfAbsent(poolName + "." + key,
						(keyPoolName) -> new PoolSpec(keyPoolName, shared.provider(), shared.rates(),
								shared.maxConcurrency(), shared.models(), shared.userLimits(), shared.tenants(),
								shared.tenantLimits(), shared.scopes()));
				specs.add(new ModelSpec(name, keyPool, cacheReads, key));
			}
			apiKeys.put(name, List.copyOf(specs));
			models.put(name, specs.get(0));
		});
		return models;
	}

	/**
	 * The models as the rest of this factory reads them: a model that names an entry of
	 * {@code pools} gets a copy carrying that pool's resolved limits, so that both forms
	 * build the same settings through one path, and siblings of a configured pool agree
	 * by construction.
	 */
	private static Map<String, ModelProperties> withPoolLimits(LlmQuotaProperties properties) {
		Map<String, PoolProperties> pools = properties.getPools();
		// Every pool, used or not, so that a bad base-config stops startup before a model
		// names it.
		Map<String, PoolProperties> resolved = new HashMap<>();
		pools.keySet().forEach((name) -> resolved.put(name, resolve(pools, name, new ArrayList<>())));
		Map<String, ModelProperties> effective = new LinkedHashMap<>();
		properties.getModels().forEach((name, model) -> {
			String property = "models." + name + ".";
			String poolName = model.getPool();
			if (poolName == null || !pools.containsKey(poolName)) {
				check(poolName == null || hasOwnLimits(model), property + "pool", poolName,
						"names no configured pool " + pools.keySet().stream().sorted().toList()
								+ " (or set the model's own limits, the deprecated form)");
				effective.put(name, model);
				return;
			}
			String conflict = "conflicts with " + PREFIX + "pools." + poolName
					+ ": a model that names a configured pool takes its limits from there";
			LIMIT_GETTERS.forEach((dimension, getter) -> check(getter.apply(model) == null,
					property + LIMIT_PROPERTIES.get(dimension), getter.apply(model), conflict));
			check(model.getMaxConcurrency() == null, property + "max-concurrency", model.getMaxConcurrency(), conflict);
			check(model.getApiKeys() == null || model.getApiKeys().isEmpty(), property + "api-keys", model.getApiKeys(),
					conflict);
			check(model.getBurstHorizon() == null, property + "burst-horizon", model.getBurstHorizon(), conflict);
			PoolProperties pool = resolved.get(poolName);
			check(LIMIT_PROPERTY_GETTERS.values().stream().anyMatch((getter) -> getter.apply(pool) != null)
					|| pool.getMaxConcurrency() != null, "pools." + poolName, "(no limits)",
					"must set at least one limit, itself or through base-config: "
							+ String.join(", ", LIMIT_PROPERTIES.values()) + " or max-concurrency");
			Provider provider = model.getProvider();
			if (pool.getProvider() != null) {
				check(provider == Provider.OTHER || provider == pool.getProvider(), property + "provider", provider,
						"conflicts with " + PREFIX + "pools." + poolName + ".provider (" + pool.getProvider() + ")");
				provider = pool.getProvider();
			}
			ModelProperties copy = new ModelProperties();
			copy.setProvider(provider);
			copy.setPool(poolName);
			copy.setRequestsPerMinute(pool.getRequestsPerMinute());
			copy.setInputTokensPerMinute(pool.getInputTokensPerMinute());
			copy.setOutputTokensPerMinute(pool.getOutputTokensPerMinute());
			copy.setTokensPerMinute(pool.getTokensPerMinute());
			copy.setRequestsPerDay(pool.getRequestsPerDay());
			copy.setTokensPerDay(pool.getTokensPerDay());
			copy.setMaxConcurrency(pool.getMaxConcurrency());
			copy.setBurstHorizon(pool.getBurstHorizon());
			copy.setApiKeys((pool.getApiKeys() != null) ? pool.getApiKeys() : new ArrayList<>());
			copy.setCacheReadsCountAsInput(model.getCacheReadsCountAsInput());
			effective.put(name, copy);
		});
		return effective;
	}

	private static boolean hasOwnLimits(ModelProperties model) {
		return model.getMaxConcurrency() != null
				|| LIMIT_GETTERS.values().stream().anyMatch((getter) -> getter.apply(model) != null);
	}

	/**
	 * A pool's values after its base-config chain: each set value overrides the one it
	 * inherits. Values are checked where they are written, so the message names that
	 * pool.
	 */
	private static PoolProperties resolve(Map<String, PoolProperties> pools, String name, List<String> chain) {
		String property = "pools." + name + ".";
		chain.add(name);
		PoolProperties pool = pools.get(name);
		LIMIT_PROPERTY_GETTERS.forEach((dimension, getter) -> {
			Long limit = getter.apply(pool);
			check(limit == null || limit > 0, property + LIMIT_PROPERTIES.get(dimension), limit, "must be positive");
		});
		check(pool.getMaxConcurrency() == null || pool.getMaxConcurrency() > 0, property + "max-concurrency",
				pool.getMaxConcurrency(), "must be positive");
		if (pool.getBurstHorizon() != null) {
			positive(property + "burst-horizon", pool.getBurstHorizon());
		}
		String baseName = pool.getBaseConfig();
		if (baseName == null) {
			return pool;
		}
		check(pools.containsKey(baseName), property + "base-config", baseName,
				"names no configured pool " + pools.keySet().stream().sorted().toList());
		check(!chain.contains(baseName), property + "base-config", baseName,
				"forms a cycle " + String.join(" -> ", chain) + " -> " + baseName);
		PoolProperties base = resolve(pools, baseName, chain);
		PoolProperties merged = new PoolProperties();
		merged.setProvider(or(pool.getProvider(), base.getProvider()));
		merged.setRequestsPerMinute(or(pool.getRequestsPerMinute(), base.getRequestsPerMinute()));
		merged.setInputTokensPerMinute(or(pool.getInputTokensPerMinute(), base.getInputTokensPerMinute()));
		merged.setOutputTokensPerMinute(or(pool.getOutputTokensPerMinute(), base.getOutputTokensPerMinute()));
		merged.setTokensPerMinute(or(pool.getTokensPerMinute(), base.getTokensPerMinute()));
		merged.setRequestsPerDay(or(pool.getRequestsPerDay(), base.getRequestsPerDay()));
		merged.setTokensPerDay(or(pool.getTokensPerDay(), base.getTokensPerDay()));
		merged.setMaxConcurrency(or(pool.getMaxConcurrency(), base.getMaxConcurrency()));
		merged.setBurstHorizon(or(pool.getBurstHorizon(), base.getBurstHorizon()));
		merged.setApiKeys(or(pool.getApiKeys(), base.getApiKeys()));
		merged.setScope(or(pool.getScope(), base.getScope()));
		return merged;
	}

	/**
	 * The scope chain of every configured pool that names a scope, nearest scope first.
	 * Every scope is checked, used or not: its limits, that its parent exists, that the
	 * chain ends, and that no limit exceeds the nearest ancestor's of the same dimension.
	 */
	private static Map<String, List<ScopeSpec>> scopeChains(LlmQuotaProperties properties, double margin,
			Set<String> poolNames) {
		Map<String, ScopeProperties> scopes = properties.getScopes();
		Map<String, ScopeSpec> specs = new HashMap<>();
		scopes.forEach((name, scope) -> specs.put(name, scope(name, scope, margin, poolNames)));
		Map<String, List<ScopeSpec>> chainsByScope = new HashMap<>();
		for (String name : scopes.keySet()) {
			List<String> names = new ArrayList<>();
			for (String at = name; at != null; at = scopes.get(at).getParent()) {
				String parent = scopes.get(at).getParent();
				names.add(at);
				if (parent != null) {
					check(scopes.containsKey(parent), "scopes." + at + ".parent", parent,
							"names no configured scope " + scopes.keySet().stream().sorted().toList());
					check(!names.contains(parent), "scopes." + at + ".parent", parent,
							"forms a cycle " + String.join(" -> ", names) + " -> " + parent);
				}
			}
			List<ScopeSpec> chain = names.stream().map(specs::get).toList();
			requireWithinAncestors("scopes." + name + ".", chain.get(0).rates(), chain.get(0).maxConcurrency(),
					chain.subList(1, chain.size()));
			// A provider's reading of a level tightens one scope: two would split it.
			ProviderScope level = chain.get(0).providerScope();
			check(level == null || chain.stream().skip(1).noneMatch((above) -> above.providerScope() == level),
					"scopes." + name + ".provider-scope", level, "is mirrored by an ancestor scope already");
			chainsByScope.put(name, chain);
		}
		Map<String, List<ScopeSpec>> chains = new HashMap<>();
		Map<String, PoolProperties> pools = properties.getPools();
		for (String pool : pools.keySet()) {
			String scope = resolve(pools, pool, new ArrayList<>()).getScope();
			if (scope != null) {
				check(scopes.containsKey(scope), "pools." + pool + ".scope", scope,
						"names no configured scope " + scopes.keySet().stream().sorted().toList());
				chains.put(pool, chainsByScope.get(scope));
			}
		}
		return chains;
	}

	private static ScopeSpec scope(String name, ScopeProperties scope, double margin, Set<String> poolNames) {
		String property = "scopes." + name;
		check(KEY_SAFE.matcher(name).matches(), property, name,
				"must be named by 1-100 of A-Z a-z 0-9 . _ : / - (it becomes part of Redis keys)");
		// Metrics, alerts and the endpoint tag a scope as they tag a pool.
		check(!poolNames.contains(name), property, name, "has the name of a pool: scopes and pools need their own");
		Duration burstHorizon = or(scope.getBurstHorizon(), DEFAULT_BURST_HORIZON);
		positive(property + ".burst-horizon", burstHorizon);
		List<RateLimit> rates = new ArrayList<>();
		for (Dimension dimension : LIMIT_PROPERTIES.keySet()) {
			Long limit = LIMIT_PROPERTY_GETTERS.get(dimension).apply(scope);
			if (limit != null) {
				check(limit > 0, property + "." + LIMIT_PROPERTIES.get(dimension), limit, "must be positive");
				rates.add(RateLimit.of(dimension, limit, margin, burstHorizon.toMillis()));
			}
		}
		Integer concurrency = scope.getMaxConcurrency();
		check(concurrency == null || concurrency > 0, property + ".max-concurrency", concurrency, "must be positive");
		check(!rates.isEmpty() || concurrency != null, property, "(no limits)",
				"must set at least one limit: " + String.join(", ", LIMIT_PROPERTIES.values()) + " or max-concurrency");
		return new ScopeSpec(name, List.copyOf(rates), (concurrency != null) ? concurrency : 0,
				scope.getProviderScope());
	}

	// A pool's limits within its scopes', as a scope's within its ancestors'.
	private static void requireWithinScope(PoolSpec pool) {
		String property = "pools." + pool.name() + ".";
		requireWithinAncestors(property, pool.rates(), pool.maxConcurrency(), pool.scopeChain());
	}

	/**
	 * A limit above the nearest ancestor's limit of the same dimension could never be
	 * used, and is most likely a typo: refused.
	 */
	private static void requireWithinAncestors(String property, List<RateLimit> rates, int maxConcurrency,
			List<ScopeSpec> ancestors) {
		for (RateLimit rate : rates) {
			for (ScopeSpec ancestor : ancestors) {
				int index = ancestor.indexOf(rate.dimension());
				if (index >= 0) {
					long above = ancestor.rates().get(index).limit();
					check(rate.limit() <= above, property + LIMIT_PROPERTIES.get(rate.dimension()), rate.limit(),
							"exceeds " + PREFIX + "scopes." + ancestor.name() + "."
									+ LIMIT_PROPERTIES.get(rate.dimension()) + " (" + above + ")");
					break;
				}
			}
		}
		for (ScopeSpec ancestor : ancestors) {
			if (ancestor.maxConcurrency() > 0) {
				check(maxConcurrency <= ancestor.maxConcurrency(), property + "max-concurrency", maxConcurrency,
						"exceeds " + PREFIX + "scopes." + ancestor.name() + ".max-concurrency ("
								+ ancestor.maxConcurrency() + ")");
				break;
			}
		}
	}

	private static <T> T or(T value, T inherited) {
		return (value != null) ? value : inherited;
	}

	private static List<String> apiKeys(String property, List<String> keys) {
		if (keys == null) {
			return List.of();
		}
		Set<String> seen = new HashSet<>();
		for (String key : keys) {
			check(key != null && API_KEY_NAME.matcher(key).matches(), property, key,
					"must be names of 1-40 of A-Z a-z 0-9 _ -, not the keys themselves (they become part of Redis keys)");
			check(seen.add(key), property, key, "names the key twice");
		}
		return List.copyOf(keys);
	}

	private static void requireSamePool(PoolSpec first, PoolSpec other, String firstModel, String otherModel) {
		String property = "models." + otherModel + ".";
		check(first.provider() == other.provider(), property + "provider", other.provider(),
				"conflicts with " + PREFIX + "models." + firstModel + ".provider (" + first.provider()
						+ "): models in pool '" + first.name() + "' share one provider bucket");
		for (Dimension dimension : LIMIT_PROPERTIES.keySet()) {
			RateLimit a = find(first, dimension);
			RateLimit b = find(other, dimension);
			check(Objects.equals(a, b), property + LIMIT_PROPERTIES.get(dimension), (b != null) ? b.limit() : null,
					"conflicts with " + PREFIX + "models." + firstModel + "." + LIMIT_PROPERTIES.get(dimension) + " ("
							+ ((a != null) ? a.limit() : null) + "): models in pool '" + first.name()
							+ "' share one bucket and must declare the same limits and burst-horizon");
		}
		check(first.maxConcurrency() == other.maxConcurrency(), property + "max-concurrency", other.maxConcurrency(),
				"conflicts with " + PREFIX + "models." + firstModel + ".max-concurrency (" + first.maxConcurrency()
						+ "): models in pool '" + first.name() + "' share one bucket");
	}

	private static RateLimit find(PoolSpec pool, Dimension dimension) {
		int index = pool.indexOf(dimension);
		return (index >= 0) ? pool.rates().get(index) : null;
	}

	private static void positiveOrZero(String property, Duration value) {
		check(value != null && !value.isNegative(), property, value, "must not be negative");
	}

	private static void positive(String property, Duration value) {
		check(value != null && !value.isNegative() && !value.isZero(), property, value, "must be positive");
	}

	private static void check(boolean valid, String property, Object value, String reason) {
		if (!valid) {
			throw new InvalidQuotaConfigurationException(PREFIX + property, value, reason);
		}
	}

}
