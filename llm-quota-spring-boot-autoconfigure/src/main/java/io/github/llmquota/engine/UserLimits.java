package io.github.llmquota.engine;

import java.util.List;
import java.util.Map;

/**
 * Per-user limits of a pool, or per-tenant ones: a default for every user and overrides
 * for named users.
 *
 * @param defaults the limits of users without an override; empty means such users are not
 * limited individually
 * @param overrides the limits of named users, by raw user id (from configuration, never
 * from requests)
 */
public record UserLimits(List<RateLimit> defaults, Map<String, List<RateLimit>> overrides) {

	/**
	 * Return the limits of a user.
	 * @param user the user id
	 * @return the limits, possibly empty
	 */
	public List<RateLimit> forUser(String user) {
		return this.overrides.getOrDefault(user, this.defaults);
	}

}
