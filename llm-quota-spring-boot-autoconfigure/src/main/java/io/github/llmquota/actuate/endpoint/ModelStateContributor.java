package io.github.llmquota.actuate.endpoint;

import java.util.Map;

/**
 * Adds state of a model to the {@code llmquota} endpoint that the quota engine does not
 * know, such as the state of the model's circuit breaker. Every bean of this type is
 * asked for every model the endpoint shows; what they return appears under the model's
 * {@code state}, the first contributor to use a key winning.
 */
@FunctionalInterface
public interface ModelStateContributor {

	/**
	 * Return extra state of a model. Called on the thread serving the endpoint request,
	 * so it should be quick.
	 * @param model the model name
	 * @return the state by key, with JSON-friendly values (strings, numbers, booleans,
	 * lists and maps of these); empty when there is nothing to add, never {@code null}
	 */
	Map<String, Object> contribute(String model);

}
