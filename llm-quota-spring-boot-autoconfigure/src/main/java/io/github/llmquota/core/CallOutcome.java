package io.github.llmquota.core;

/**
 * What happened to a call whose lease is released without a usage report. It decides what
 * is refunded: a provider meters a request it received even when it fails.
 */
public enum CallOutcome {

	/**
	 * The request never reached the provider (for example it failed validation before
	 * being sent). Everything is refunded.
	 */
	NOT_SENT,

	/**
	 * The call failed after it may have reached the provider. The request and its input
	 * stay charged; the reserved output is refunded.
	 */
	FAILED

}
