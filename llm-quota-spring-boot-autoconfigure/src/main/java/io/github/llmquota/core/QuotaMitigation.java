package io.github.llmquota.core;

/**
 * Relieves a pool that has reached its critical utilisation, for automatic mitigation
 * ({@code llm.quota.alerts.mitigation}). Kept apart from {@link QuotaEngine} so that the
 * threshold monitor needs no particular engine implementation. Implementations are
 * thread-safe.
 */
public interface QuotaMitigation {

	/**
	 * Start or stop shedding the lowest priority class of a pool in this JVM: while
	 * shedding, new requests of that class are rejected with {@link RejectionReason#SHED}
	 * and its waiting requests are withdrawn. Higher classes keep their order.
	 * @param pool the pool; an unknown pool is remembered and has no effect
	 * @param shed whether to shed
	 */
	void shedLowestClass(String pool, boolean shed);

}
