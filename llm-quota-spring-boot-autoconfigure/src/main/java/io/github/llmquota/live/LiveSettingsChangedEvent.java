package io.github.llmquota.live;

import org.springframework.context.ApplicationEvent;
import org.springframework.lang.Nullable;

import io.github.llmquota.engine.LiveSettings;

/**
 * Published in the JVM through which an operator changed a pool's or a scope's live
 * settings, once they are stored for the whole fleet. Other JVMs apply the change at
 * their next decision and publish nothing.
 */
public class LiveSettingsChangedEvent extends ApplicationEvent {

	private final String pool;

	private final LiveSettings previous;

	private final LiveSettings current;

	private final String changedBy;

	private final boolean scope;

	/**
	 * Create an event.
	 * @param source the {@link LiveChanges} that made the change
	 * @param pool the pool
	 * @param previous the live settings before the change
	 * @param current the live settings now ({@link LiveSettings#NONE} after a revert)
	 * @param changedBy the name of the authenticated principal who made the change, or
	 * {@code null} when nobody was authenticated
	 */
	public LiveSettingsChangedEvent(Object source, String pool, LiveSettings previous, LiveSettings current,
			@Nullable String changedBy) {
		this(source, pool, false, previous, current, changedBy);
	}

	/**
	 * Create an event for a pool or a scope.
	 * @param source the {@link LiveChanges} that made the change
	 * @param name the pool or scope name
	 * @param scope whether {@code name} names a scope
	 * @param previous the live settings before the change
	 * @param current the live settings now ({@link LiveSettings#NONE} after a revert)
	 * @param changedBy the name of the authenticated principal who made the change, or
	 * {@code null} when nobody was authenticated
	 */
	public LiveSettingsChangedEvent(Object source, String name, boolean scope, LiveSettings previous,
			LiveSettings current, @Nullable String changedBy) {
		super(source);
		this.pool = name;
		this.scope = scope;
		this.previous = previous;
		this.current = current;
		this.changedBy = changedBy;
	}

	/**
	 * Return the pool that changed.
	 * @return the pool name, or {@code null} when a scope changed
	 */
	@Nullable
	public String getPool() {
		return this.scope ? null : this.pool;
	}

	/**
	 * Return the scope that changed.
	 * @return the scope name, or {@code null} when a pool changed
	 */
	@Nullable
	public String getScope() {
		return this.scope ? this.pool : null;
	}

	/**
	 * Return the live settings before the change.
	 * @return the previous settings
	 */
	public LiveSettings getPrevious() {
		return this.previous;
	}

	/**
	 * Return the live settings the fleet applies now.
	 * @return the current settings
	 */
	public LiveSettings getCurrent() {
		return this.current;
	}

	/**
	 * Return who made the change.
	 * @return the authenticated principal's name, or {@code null}
	 */
	@Nullable
	public String getChangedBy() {
		return this.changedBy;
	}

}
