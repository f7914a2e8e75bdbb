package io.github.llmquota.test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.Provider;
import io.github.llmquota.engine.FeedbackSettings;
import io.github.llmquota.engine.ModelSpec;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.PriorityClass;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.RateLimit;
import io.github.llmquota.engine.TenantWeights;
import io.github.llmquota.engine.UserLimits;

/**
 * Builds engine settings for tests without going through Spring binding.
 */
public final class TestSettings {

	private final Map<Dimension, Long> limits = new LinkedHashMap<>();

	private final List<PriorityClass> classes = new ArrayList<>(
			List.of(new PriorityClass(Priority.CRITICAL, 0, 0, 100, Duration.ofSeconds(5)),
					new PriorityClass(Priority.INTERACTIVE, 1, 0.05, 100, Duration.ofSeconds(5)),
					new PriorityClass(Priority.NORMAL, 2, 0.15, 100, Duration.ofSeconds(5)),
					new PriorityClass(Priority.BACKGROUND, 3, 0.30, 100, Duration.ofSeconds(5))));

	private String pool = "pool";

	private Provider provider = Provider.ANTHROPIC;

	private boolean cacheReadsCountAsInput;

	private int maxConcurrency;

	private double margin;

	private long burstHorizonMillis = 60_000;

	private Duration leaseTimeout = Duration.ofMinutes(1);

	private int queueCapacity = 1000;

	private final List<RateLimit> userLimits = new ArrayList<>();

	// Exact by default, so that tests can check refill to the millisecond.
	private Duration admissionLookahead = Duration.ZERO;

	private TenantWeights tenants;

	private UserLimits tenantLimits;

	private TestSettings() {
	}

	public static TestSettings pool(String name) {
		TestSettings settings = new TestSettings();
		settings.pool = name;
		return settings;
	}

	public TestSettings limit(Dimension dimension, long limit) {
		this.limits.put(dimension, limit);
		return this;
	}

	public TestSettings provider(Provider provider) {
		this.provider = provider;
		return this;
	}

	public TestSettings cacheReadsCountAsInput(boolean counts) {
		this.cacheReadsCountAsInput = counts;
		return this;
	}

	public TestSettings maxConcurrency(int maxConcurrency) {
		this.maxConcurrency = maxConcurrency;
		return this;
	}

	public TestSettings margin(double margin) {
		this.margin = margin;
		return this;
	}

	public TestSettings burstHorizon(Duration horizon) {
		this.burstHorizonMillis = horizon.toMillis();
		return this;
	}

	public TestSettings leaseTimeout(Duration leaseTimeout) {
		this.leaseTimeout = leaseTimeout;
		return this;
	}

	public TestSettings queueCapacity(int total) {
		this.queueCapacity = total;
		return this;
	}

	public TestSettings classQueueCapacity(int perClass) {
		this.classes.replaceAll((c) -> new PriorityClass(c.name(), c.rank(), c.reserve(), perClass, c.maxWait()));
		return this;
	}

	public TestSettings userLimit(Dimension dimension, long limit) {
		this.userLimits.add(RateLimit.of(dimension, limit, 0, dimension.getWindow().toMillis()));
		return this;
	}

	public TestSettings admissionLookahead(Duration lookahead) {
		this.admissionLookahead = lookahead;
		return this;
	}

	public TestSettings tenants(TenantWeights tenants) {
		this.tenants = tenants;
		return this;
	}

	public TestSettings tenantLimits(UserLimits tenantLimits) {
		this.tenantLimits = tenantLimits;
		return this;
	}

	public TestSettings noReserves() {
		this.classes.replaceAll((c) -> new PriorityClass(c.name(), c.rank(), 0, c.queueCapacity(), c.maxWait()));
		return this;
	}

	/**
	 * Build settings with one model, named "model", in the pool.
	 * @return the settings
	 */
	public QuotaSettings build() {
		List<RateLimit> rates = new ArrayList<>();
		this.limits.forEach(
				(dimension, limit) -> rates.add(RateLimit.of(dimension, limit, this.margin, this.burstHorizonMillis)));
		UserLimits users = this.userLimits.isEmpty() ? null : new UserLimits(List.copyOf(this.userLimits), Map.of());
		PoolSpec pool = new PoolSpec(this.pool, this.provider, rates, this.maxConcurrency, List.of("model"), users,
				this.tenants, this.tenantLimits);
		ModelSpec model = new ModelSpec("model", pool, this.cacheReadsCountAsInput);
		return new QuotaSettings(Map.of("model", model), this.classes, Priority.NORMAL, this.leaseTimeout,
				this.queueCapacity, Duration.ofSeconds(1), FeedbackSettings.DEFAULTS, this.admissionLookahead);
	}

}
