package io.github.llmquota.live;

import java.util.function.UnaryOperator;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.lang.Nullable;

import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.LiveSettings;

/**
 * Changes pools and scopes at runtime for the whole fleet (a scope's limits only), as
 * operators ask through the llmquota endpoint: reads the pool's live settings, applies
 * the change, has the engine validate and store them, then logs who changed what and
 * publishes a {@link LiveSettingsChangedEvent}. Thread-safe; two operators changing the
 * same pool at the same instant may each overwrite the other's change (the last write
 * wins), which the log and the events show.
 */
public class LiveChanges {

	private static final Log logger = LogFactory.getLog(LiveChanges.class);

	private final DefaultQuotaEngine engine;

	private final ApplicationEventPublisher publisher;

	/**
	 * Create the changes.
	 * @param engine the engine whose pools to change
	 * @param publisher where to publish each change
	 */
	public LiveChanges(DefaultQuotaEngine engine, ApplicationEventPublisher publisher) {
		this.engine = engine;
		this.publisher = publisher;
	}

	/**
	 * Return the live settings the fleet applies to a pool now.
	 * @param pool the pool or scope name
	 * @return the live settings
	 * @throws IllegalArgumentException if no pool or scope has that name
	 */
	public LiveSettings current(String pool) {
		return this.engine.live(pool);
	}

	/**
	 * Change a pool's or a scope's live settings.
	 * @param pool the pool or scope name
	 * @param change what to change, given the current settings
	 * @param changedBy the authenticated principal's name, or {@code null}
	 * @return the live settings now applied
	 * @throws IllegalArgumentException if no pool has that name or a changed value is
	 * invalid, naming it; nothing is stored then
	 */
	public LiveSettings change(String pool, UnaryOperator<LiveSettings> change, @Nullable String changedBy) {
		LiveSettings previous = this.engine.live(pool);
		LiveSettings current = change.apply(previous);
		this.engine.changeLive(pool, current);
		boolean scope = isScope(pool);
		logger.info("llm-quota " + (scope ? "scope" : "pool") + " '" + pool + "' changed at runtime by "
				+ ((changedBy != null) ? "'" + changedBy + "'" : "an unauthenticated caller") + ": " + previous + " -> "
				+ current);
		this.publisher.publishEvent(new LiveSettingsChangedEvent(this, pool, scope, previous, current, changedBy));
		return current;
	}

	/**
	 * Whether a name is a scope's rather than a pool's.
	 * @param name a pool or scope name
	 * @return whether it names a scope some pool is under
	 */
	public boolean isScope(String name) {
		return !this.engine.getSettings().pools().containsKey(name)
				&& !this.engine.getSettings().scopeChain(name).isEmpty();
	}

	/**
	 * Revert a pool or a scope to its configuration.
	 * @param pool the pool or scope name
	 * @param changedBy the authenticated principal's name, or {@code null}
	 * @throws IllegalArgumentException if no pool has that name
	 */
	public void revert(String pool, @Nullable String changedBy) {
		change(pool, (previous) -> LiveSettings.NONE, changedBy);
	}

}
