package io.github.llmquota.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.llmquota.core.QuotaRequest;

/**
 * Everything the engine needs to know about the configured pools, models and priority
 * classes, validated and immutable.
 */
public final class QuotaSettings {

	private final Map<String, ModelSpec> models;

	private final Map<String, List<ModelSpec>> apiKeys;

	private final Map<String, PoolSpec> pools;

	private final List<PriorityClass> classes;

	private final PriorityClass defaultClass;

	private final Duration leaseTimeout;

	private final int queueCapacity;

	private final Duration heartbeatInterval;

	private final FeedbackSettings feedback;

	private final Duration admissionLookahead;

	private final ShadowMode shadowMode;

	private final BudgetPlan budgets;

	/**
	 * Create the settings.
	 * @param models the models by name; their pools must be consistent
	 * @param classes the priority classes, highest first, ranks 0..n-1 in list order
	 * @param defaultClass the name of the class used when a request names none
	 * @param leaseTimeout the hard expiry of a lease
	 * @param queueCapacity the most tickets that may wait in one pool, over all classes
	 * @param heartbeatInterval how often a JVM with waiting requests proves it is alive
	 * @param feedback how provider feedback moves the shared state
	 * @param admissionLookahead how far ahead of its refill a bucket may admit a ticket
	 */
	public QuotaSettings(Map<String, ModelSpec> models, List<PriorityClass> classes, String defaultClass,
			Duration leaseTimeout, int queueCapacity, Duration heartbeatInterval, FeedbackSettings feedback,
			Duration admissionLookahead) {
		this(models, Map.of(), classes, defaultClass, leaseTimeout, queueCapacity, heartbeatInterval, feedback,
				admissionLookahead);
	}

	/**
	 * Create the settings of models of which some are called with several API keys.
	 * @param models the models by name; a model with API keys maps to the spec of its
	 * first key
	 * @param apiKeys for each model with API keys, its spec per key, each with its own
	 * pool
	 * @param classes the priority classes, highest first, ranks 0..n-1 in list order
	 * @param defaultClass the name of the class used when a request names none
	 * @param leaseTimeout the hard expiry of a lease
	 * @param queueCapacity the most tickets that may wait in one pool, over all classes
	 * @param heartbeatInterval how often a JVM with waiting requests proves it is alive
	 * @param feedback how provider feedback moves the shared state
	 * @param admissionLookahead how far ahead of its refill a bucket may admit a ticket
	 */
	public QuotaSettings(Map<String, ModelSpec> models, Map<String, List<ModelSpec>> apiKeys,
			List<PriorityClass> classes, String defaultClass, Duration leaseTimeout, int queueCapacity,
			Duration heartbeatInterval, FeedbackSettings feedback, Duration admissionLookahead) {
		this.models = Map.copyOf(models);
		Map<String, List<ModelSpec>> keys = new LinkedHashMap<>();
		apiKeys.forEach((model, specs) -> keys.put(model, List.copyOf(specs)));
		this.apiKeys = Map.copyOf(keys);
		Map<String, PoolSpec> pools = new LinkedHashMap<>();
		models.values().forEach((model) -> pools.putIfAbsent(model.pool().name(), model.pool()));
		apiKeys.values()
			.forEach((specs) -> specs.forEach((model) -> pools.putIfAbsent(model.pool().name(), model.pool())));
		this.pools = Map.copyOf(pools);
		this.classes = List.copyOf(classes);
		this.defaultClass = this.classes.stream()
			.filter((c) -> c.name().equals(defaultClass))
			.findFirst()
			.orElseThrow(() -> new IllegalArgumentException(
					"Default priority class '" + defaultClass + "' is not one of " + classNames()));
		this.leaseTimeout = leaseTimeout;
		this.queueCapacity = queueCapacity;
		this.heartbeatInterval = heartbeatInterval;
		this.feedback = feedback;
		this.admissionLookahead = admissionLookahead;
		this.shadowMode = ShadowMode.OFF;
		this.budgets = BudgetPlan.NONE;
	}

	private QuotaSettings(QuotaSettings settings, ShadowMode shadowMode, BudgetPlan budgets) {
		this.models = settings.models;
		this.apiKeys = settings.apiKeys;
		this.pools = settings.pools;
		this.classes = settings.classes;
		this.defaultClass = settings.defaultClass;
		this.leaseTimeout = settings.leaseTimeout;
		this.queueCapacity = settings.queueCapacity;
		this.heartbeatInterval = settings.heartbeatInterval;
		this.feedback = settings.feedback;
		this.admissionLookahead = settings.admissionLookahead;
		this.shadowMode = shadowMode;
		this.budgets = budgets;
	}

	/**
	 * Return these settings with requests run in shadow mode as configured.
	 * @param shadowMode which requests run in shadow mode
	 * @return the settings
	 */
	public QuotaSettings withShadowMode(ShadowMode shadowMode) {
		return new QuotaSettings(this, shadowMode, this.budgets);
	}

	/**
	 * Return these settings with the cost budgets as configured.
	 * @param budgets the cost budgets
	 * @return the settings
	 */
	public QuotaSettings withBudgets(BudgetPlan budgets) {
		return new QuotaSettings(this, this.shadowMode, budgets);
	}

	/**
	 * Return the cost budgets ({@link BudgetPlan#NONE} unless set).
	 * @return the budgets
	 */
	public BudgetPlan budgets() {
		return this.budgets;
	}

	/**
	 * Return the model of a request.
	 * @param name the model name
	 * @return the model
	 * @throws IllegalArgumentException if the model is not configured
	 */
	public ModelSpec model(String name) {
		ModelSpec model = this.models.get(name);
		if (model == null) {
			throw new IllegalArgumentException(
					"Unknown model '" + abbreviate(name) + "': configure it under " + "llm.quota.models (configured: "
							+ new ArrayList<>(this.models.keySet()).stream().sorted().toList() + ")");
		}
		return model;
	}

	/**
	 * Return the specs a model can be admitted with: one per API key, or the model's only
	 * spec when it has no keys.
	 * @param name the model name
	 * @return the specs, in the configured order of the keys
	 * @throws IllegalArgumentException if the model is not configured
	 */
	public List<ModelSpec> apiKeys(String name) {
		List<ModelSpec> keys = this.apiKeys.get(name);
		return (keys != null) ? keys : List.of(model(name));
	}

	/**
	 * Return a priority class by name.
	 * @param name the class name, or {@code null} for the default class
	 * @return the class
	 * @throws IllegalArgumentException if no class has that name
	 */
	public PriorityClass priorityClass(String name) {
		if (name == null) {
			return this.defaultClass;
		}
		for (PriorityClass candidate : this.classes) {
			if (candidate.name().equals(name)) {
				return candidate;
			}
		}
		throw new IllegalArgumentException(
				"Unknown priority class '" + abbreviate(name) + "': configured classes are " + classNames());
	}

	/**
	 * Return the wait budget of a request: its own, or its class's default.
	 * @param request the request
	 * @return the wait budget
	 */
	public Duration maxWait(QuotaRequest request) {
		return (request.maxWait() != null) ? request.maxWait() : priorityClass(request.priority()).maxWait();
	}

	/**
	 * Return the models by name.
	 * @return the models
	 */
	public Map<String, ModelSpec> models() {
		return this.models;
	}

	/**
	 * Return the pools by name.
	 * @return the pools
	 */
	public Map<String, PoolSpec> pools() {
		return this.pools;
	}

	/**
	 * Return the scopes some pool is under, by name, in the order of the pools' names and
	 * each pool's chain (nearest first). A scope no pool names, directly or through a
	 * child, limits nothing and is not listed.
	 * @return the scopes
	 */
	public Map<String, ScopeSpec> scopes() {
		Map<String, ScopeSpec> scopes = new LinkedHashMap<>();
		this.pools.values()
			.stream()
			.sorted(Comparator.comparing(PoolSpec::name))
			.forEach((pool) -> pool.scopeChain().forEach((scope) -> scopes.putIfAbsent(scope.name(), scope)));
		return scopes;
	}

	/**
	 * Return a scope and the scopes above it, nearest first, as the chains of the pools
	 * under it have them.
	 * @param scope the scope name
	 * @return the scope, then its parent and so on to its root; empty for a scope no pool
	 * is under
	 */
	public List<ScopeSpec> scopeChain(String scope) {
		for (PoolSpec pool : this.pools.values()) {
			List<ScopeSpec> chain = pool.scopeChain();
			for (int i = 0; i < chain.size(); i++) {
				if (chain.get(i).name().equals(scope)) {
					return chain.subList(i, chain.size());
				}
			}
		}
		return List.of();
	}

	/**
	 * Return the pools under a scope, directly or through its children, by name.
	 * @param scope the scope name
	 * @return the pools' names, sorted; empty for a scope no pool is under
	 */
	public List<String> poolsUnder(String scope) {
		return this.pools.values()
			.stream()
			.filter((pool) -> pool.scopeChain().stream().anyMatch((above) -> above.name().equals(scope)))
			.map(PoolSpec::name)
			.sorted()
			.toList();
	}

	/**
	 * Return the priority classes, highest first.
	 * @return the classes
	 */
	public List<PriorityClass> classes() {
		return this.classes;
	}

	/**
	 * Return the hard expiry of a lease.
	 * @return the lease timeout
	 */
	public Duration leaseTimeout() {
		return this.leaseTimeout;
	}

	/**
	 * Return the most tickets that may wait in one pool.
	 * @return the queue capacity
	 */
	public int queueCapacity() {
		return this.queueCapacity;
	}

	/**
	 * Return how often a JVM with waiting requests proves it is alive.
	 * @return the heartbeat interval
	 */
	public Duration heartbeatInterval() {
		return this.heartbeatInterval;
	}

	/**
	 * Return how provider feedback moves the shared state.
	 * @return the feedback settings
	 */
	public FeedbackSettings feedback() {
		return this.feedback;
	}

	/**
	 * Return how far ahead of its refill a bucket may admit a ticket: a ticket that would
	 * fit within this time is admitted now.
	 * @return the lookahead
	 */
	public Duration admissionLookahead() {
		return this.admissionLookahead;
	}

	/**
	 * Return which requests run in shadow mode as configured ({@link ShadowMode#OFF}
	 * unless set).
	 * @return the shadow mode
	 */
	public ShadowMode shadowMode() {
		return this.shadowMode;
	}

	private List<String> classNames() {
		return this.classes.stream().map(PriorityClass::name).toList();
	}

	// Names come from callers; a megabyte-long one must not end up in a log line.
	static String abbreviate(String value) {
		return (value.length() <= 100) ? value : value.substring(0, 100) + "...";
	}

}
