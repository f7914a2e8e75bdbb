package io.github.llmquota.test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.Provider;
import io.github.llmquota.core.ProviderScope;
import io.github.llmquota.engine.FeedbackSettings;
import io.github.llmquota.engine.ModelSpec;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.PriorityClass;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.RateLimit;
import io.github.llmquota.engine.ScopeSpec;

/**
 * Settings of one organisation with two projects, each with a pool of its own:
 * {@code org -> project-a -> pool-a} (model {@code model-a}) and
 * {@code org -> project-b -> pool-b} (model {@code model-b}). Limits have no safety
 * margin and a one-minute burst, so a limit of N per minute is a bucket of N; the
 * projects set no limits of their own unless given some. {@link #oneProject()} puts both
 * pools under one project, {@code project}.
 */
public final class TestTree {

	private final Map<Dimension, Long> org = new LinkedHashMap<>();

	private final Map<Dimension, Long> project = new LinkedHashMap<>();

	private final Map<Dimension, Long> pool = new LinkedHashMap<>();

	private int orgConcurrency;

	private double reserve = 0.15;

	private boolean oneProject;

	private ProviderScope projectMirrors;

	private TestTree() {
	}

	public static TestTree organisation() {
		return new TestTree();
	}

	public TestTree orgLimit(Dimension dimension, long limit) {
		this.org.put(dimension, limit);
		return this;
	}

	public TestTree orgConcurrency(int concurrency) {
		this.orgConcurrency = concurrency;
		return this;
	}

	public TestTree projectLimit(Dimension dimension, long limit) {
		this.project.put(dimension, limit);
		return this;
	}

	public TestTree poolLimit(Dimension dimension, long limit) {
		this.pool.put(dimension, limit);
		return this;
	}

	/**
	 * Put both pools under one project, {@code project}, instead of one project each.
	 * @return this
	 */
	public TestTree oneProject() {
		this.oneProject = true;
		return this;
	}

	/**
	 * Make the projects mirror a provider level, whose readings then tighten them instead
	 * of the pools.
	 * @param level the level
	 * @return this
	 */
	public TestTree projectMirrors(ProviderScope level) {
		this.projectMirrors = level;
		return this;
	}

	/**
	 * Give every class but the highest this reserve (0.15 unless set).
	 * @param reserve the share of each bucket the lower classes may not drain
	 * @return this
	 */
	public TestTree reserve(double reserve) {
		this.reserve = reserve;
		return this;
	}

	public QuotaSettings build() {
		ScopeSpec orgScope = new ScopeSpec("org", rates(this.org), this.orgConcurrency);
		Map<String, ModelSpec> models = new LinkedHashMap<>();
		ScopeSpec shared = new ScopeSpec("project", rates(this.project), 0, this.projectMirrors);
		for (String name : List.of("a", "b")) {
			ScopeSpec project = this.oneProject ? shared
					: new ScopeSpec("project-" + name, rates(this.project), 0, this.projectMirrors);
			PoolSpec pool = new PoolSpec("pool-" + name, Provider.OPENAI, rates(this.pool), 0, List.of("model-" + name),
					null, null, List.of(project, orgScope));
			models.put("model-" + name, new ModelSpec("model-" + name, pool, true));
		}
		List<PriorityClass> classes = List.of(new PriorityClass(Priority.CRITICAL, 0, 0, 100, Duration.ofMinutes(5)),
				new PriorityClass(Priority.INTERACTIVE, 1, this.reserve, 100, Duration.ofMinutes(5)),
				new PriorityClass(Priority.NORMAL, 2, this.reserve, 100, Duration.ofMinutes(5)),
				new PriorityClass(Priority.BACKGROUND, 3, this.reserve, 100, Duration.ofMinutes(5)));
		return new QuotaSettings(models, classes, Priority.NORMAL, Duration.ofMinutes(1), 1000, Duration.ofSeconds(1),
				FeedbackSettings.DEFAULTS, Duration.ZERO);
	}

	private static List<RateLimit> rates(Map<Dimension, Long> limits) {
		List<RateLimit> rates = new ArrayList<>();
		limits.forEach((dimension, limit) -> rates.add(RateLimit.of(dimension, limit, 0, 60_000)));
		return List.copyOf(rates);
	}

}
