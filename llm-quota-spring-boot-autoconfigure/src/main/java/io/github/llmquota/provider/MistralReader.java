package io.github.llmquota.provider;

import io.github.llmquota.core.Dimension;

/**
 * Reads Mistral's undocumented {@code ratelimitbysize-*} token headers. The reset is in
 * whole seconds, and {@code x-ratelimitbysize-*-minute} repeats the same bucket without a
 * reset. The monthly token bucket has no {@link Dimension} and is not read.
 */
final class MistralReader implements ProviderReader {

	@Override
	public void read(Response response, ProviderFeedback.Builder feedback) {
		HeaderValues headers = response.headers();
		Long limit = headers.read("ratelimitbysize-limit", ValueParsers::parseCount)
			.or(() -> headers.read("x-ratelimitbysize-limit-minute", ValueParsers::parseCount))
			.orElse(null);
		Long remaining = headers.read("ratelimitbysize-remaining", ValueParsers::parseCount)
			.or(() -> headers.read("x-ratelimitbysize-remaining-minute", ValueParsers::parseCount))
			.orElse(null);
		feedback.reading(Dimension.TOKENS_PER_MINUTE, limit, remaining,
				response.after(headers.read("ratelimitbysize-reset", ValueParsers::parseSeconds).orElse(null)));
	}

}
