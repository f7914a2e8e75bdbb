package io.github.llmquota.fallback;

/**
 * Told when a fallback chain admits a call on another model than the one asked for, for
 * metrics and logs. Implementations must be quick, thread-safe and must not throw; an
 * exception is logged and ignored.
 */
@FunctionalInterface
public interface FallbackListener {

	/**
	 * A call was admitted on a fallback model.
	 * @param chain the chain name
	 * @param from the model the call asked for
	 * @param to the model it was admitted on
	 */
	void fellBack(String chain, String from, String to);

}
