package io.github.llmquota.engine;

import java.util.List;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.ProviderScope;

/**
 * A scope above pools: an organisation, project or workspace whose provider limits its
 * pools share. Every request of a pool is checked against, charged to and settled on the
 * pool and each scope of its {@link PoolSpec#scopes() chain}, in one atomic step.
 *
 * @param name the scope name; it becomes part of Redis keys, so it is restricted as pool
 * names are
 * @param rates the scope's rate dimensions, each bucket derived as a pool's is
 * @param maxConcurrency the most calls of all its pools in flight at once, or 0 for no
 * limit
 * @param providerScope the provider level whose limits the scope mirrors: the provider's
 * readings of that level tighten the scope instead of the pool; {@code null} for none
 */
public record ScopeSpec(String name, List<RateLimit> rates, int maxConcurrency, ProviderScope providerScope) {

	/**
	 * Create a scope that mirrors no provider level.
	 * @param name the scope name
	 * @param rates the scope's rate dimensions
	 * @param maxConcurrency the most calls in flight at once, or 0 for no limit
	 */
	public ScopeSpec(String name, List<RateLimit> rates, int maxConcurrency) {
		this(name, rates, maxConcurrency, null);
	}

	/**
	 * Return the index of a dimension in {@link #rates()}, or -1.
	 * @param dimension the dimension
	 * @return its index
	 */
	public int indexOf(Dimension dimension) {
		for (int i = 0; i < this.rates.size(); i++) {
			if (this.rates.get(i).dimension() == dimension) {
				return i;
			}
		}
		return -1;
	}

	/**
	 * Return this scope with a share of its limits: its buckets, refill and concurrency
	 * scaled, as a JVM limits itself while the shared state is unreachable.
	 * @param share the share, in (0, 1]
	 * @return the scaled scope
	 */
	public ScopeSpec scaled(double share) {
		List<RateLimit> scaled = this.rates.stream()
			.map((rate) -> new RateLimit(rate.dimension(), rate.limit(), rate.capacity() * share,
					rate.ratePerMilli() * share))
			.toList();
		return new ScopeSpec(this.name, scaled,
				(this.maxConcurrency > 0) ? Math.max(1, (int) (this.maxConcurrency * share)) : 0, this.providerScope);
	}

}
