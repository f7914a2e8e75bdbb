package io.github.llmquota.attempt;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

import reactor.core.scheduler.Schedulers;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.ModelSpec;
import io.github.llmquota.engine.PoolFeedback;
import io.github.llmquota.engine.PoolSnapshot;
import io.github.llmquota.engine.QuotaEngineListener;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.estimate.DefaultTokenEstimator;
import io.github.llmquota.provider.ProviderFeedbackParser;
import io.github.llmquota.redis.RedisQuotaStore;
import io.github.llmquota.test.ForwardingQuotaEngine;
import io.github.llmquota.test.ProviderStub;
import io.github.llmquota.test.TestRedis;
import io.github.llmquota.test.TestSettings;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * One pool, "model", governed over a real Redis: the engine, its store with the admission
 * log on, and an attempt governor in front of it. Counts the admissions the engine
 * granted, as a {@link QuotaEngineListener} sees them, and whether the blocking acquire
 * was ever called from a non-blocking (event-loop) thread.
 */
public final class GovernedPool implements AutoCloseable {

	private final LettuceConnectionFactory factory = TestRedis.shared().connectionFactory();

	private final QuotaSettings settings;

	private final RedisQuotaStore store;

	private final DefaultQuotaEngine engine;

	private final AtomicInteger admissions = new AtomicInteger();

	private final ConcurrentLinkedQueue<TokenUsage> settled = new ConcurrentLinkedQueue<>();

	private final ConcurrentLinkedQueue<String> blockingAcquireThreads = new ConcurrentLinkedQueue<>();

	private final AttemptGovernor governor;

	/**
	 * A pool with the given settings and the engine as it is.
	 * @param settings the settings of pool "model"
	 */
	public GovernedPool(TestSettings settings) {
		this(settings, UnaryOperator.identity());
	}

	/**
	 * A pool whose governor sees the engine through a decorator, for mutants.
	 * @param settings the settings of pool "model"
	 * @param decorator wraps the engine the governor uses
	 */
	public GovernedPool(TestSettings settings, UnaryOperator<QuotaEngine> decorator) {
		this.settings = settings.build();
		this.store = new RedisQuotaStore(this.factory, this.settings,
				"g" + UUID.randomUUID().toString().substring(0, 8));
		this.store.setAdmissionLog(true);
		QuotaEngineListener counter = new QuotaEngineListener() {

			@Override
			public void admitted(ModelSpec model, QuotaRequest request, Duration waited) {
				GovernedPool.this.admissions.incrementAndGet();
			}

			@Override
			public void ended(ModelSpec model, QuotaRequest request, TokenUsage usage, PoolFeedback.Kind feedback) {
				if (usage != null) {
					GovernedPool.this.settled.add(usage);
				}
			}

		};
		this.engine = new DefaultQuotaEngine(this.settings, this.store, List.of(counter));
		this.governor = new AttemptGovernor(decorator.apply(new WatchedEngine(this.engine)), this.settings,
				new DefaultTokenEstimator(), new ProviderFeedbackParser(), AttemptGovernor.Policy.defaults());
	}

	public static TestSettings requests(long perMinute) {
		return TestSettings.pool("model").limit(Dimension.REQUESTS_PER_MINUTE, perMinute);
	}

	public AttemptGovernor governor() {
		return this.governor;
	}

	public QuotaEngine engine() {
		return this.engine;
	}

	public QuotaSettings settings() {
		return this.settings;
	}

	public int admissions() {
		return this.admissions.get();
	}

	public List<TokenUsage> settled() {
		return List.copyOf(this.settled);
	}

	/**
	 * The attempts a provider saw that the engine never admitted.
	 * @param stub the provider
	 * @return the unadmitted attempts, 0 when every attempt was admitted
	 */
	public int unadmittedAttempts(ProviderStub stub) {
		return stub.attemptCount() - admissions();
	}

	public List<String> blockingAcquireThreads() {
		return List.copyOf(this.blockingAcquireThreads);
	}

	public PoolSnapshot snapshot() {
		return this.store.snapshot(this.settings.model("model").pool());
	}

	public List<String> admissionLog() {
		return this.store.admissionLog("model");
	}

	@Override
	public void close() {
		this.engine.close();
		this.factory.destroy();
	}

	/**
	 * The engine as the governor sees it, noting the threads that block in acquire.
	 */
	private final class WatchedEngine extends ForwardingQuotaEngine {

		WatchedEngine(QuotaEngine engine) {
			super(engine);
		}

		@Override
		public QuotaLease acquire(QuotaRequest request) {
			if (Schedulers.isInNonBlockingThread()) {
				GovernedPool.this.blockingAcquireThreads.add(Thread.currentThread().getName());
			}
			return super.acquire(request);
		}

	}

}
