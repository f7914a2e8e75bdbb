package io.github.llmquota.engine;

import java.util.Set;

/**
 * Which requests run in shadow mode as configured: decided and charged like any other,
 * then admitted whatever the decision, which is reported instead of enforced. Operators
 * may switch a pool at runtime ({@link LiveSettings#shadow()}).
 *
 * @param all whether every request runs in shadow mode
 * @param pools the pools whose requests run in shadow mode
 * @param classes the priority classes whose requests run in shadow mode, in every pool
 */
public record ShadowMode(boolean all, Set<String> pools, Set<String> classes) {

	/** Every request is enforced. */
	public static final ShadowMode OFF = new ShadowMode(false, Set.of(), Set.of());

	/**
	 * Create a shadow mode.
	 * @param all whether every request runs in shadow mode
	 * @param pools the pools in shadow mode
	 * @param classes the classes in shadow mode
	 */
	public ShadowMode {
		pools = Set.copyOf(pools);
		classes = Set.copyOf(classes);
	}

	/**
	 * Whether requests of a class in a pool run in shadow mode.
	 * @param pool the pool name
	 * @param priorityClass the class name
	 * @return whether they do
	 */
	public boolean covers(String pool, String priorityClass) {
		return this.all || this.pools.contains(pool) || this.classes.contains(priorityClass);
	}

}
