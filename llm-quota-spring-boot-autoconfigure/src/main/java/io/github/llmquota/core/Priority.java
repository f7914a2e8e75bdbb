package io.github.llmquota.core;

/**
 * Names of the default priority classes, highest first. Classes are plain names so that
 * applications can define their own under {@code llm.quota.priority-classes}; these
 * constants only name the defaults.
 */
public final class Priority {

	/**
	 * Work that must go first, such as a health probe of a paid feature. No reserve
	 * applies.
	 */
	public static final String CRITICAL = "CRITICAL";

	/** A user is waiting for the answer. */
	public static final String INTERACTIVE = "INTERACTIVE";

	/** Ordinary work. */
	public static final String NORMAL = "NORMAL";

	/** Batch and background jobs: fill the gaps, shed first. */
	public static final String BACKGROUND = "BACKGROUND";

	private Priority() {
	}

}
