package io.github.llmquota.usage;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Optional;

import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.testsupport.IsolatingClassLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests that each extractor loads and works with only its own library on the classpath.
 */
class UsageExtractorIsolationTests {

	private static final String PACKAGE = "io.github.llmquota.usage";

	@Test
	void commonExtractorsWorkWithoutAnyLlmLibrary() throws Exception {
		ClassLoader classLoader = new IsolatingClassLoader(PACKAGE, "com.anthropic", "com.openai",
				"org.springframework.ai");
		Object llmUsageExtractor = classLoader.loadClass(LlmUsageExtractor.class.getName())
			.getConstructor()
			.newInstance();
		Class<?> compositeType = classLoader.loadClass(CompositeUsageExtractor.class.getName());
		Object composite = compositeType.getConstructor(List.class).newInstance(List.of(llmUsageExtractor));
		Method extract = compositeType.getMethod("extract", Object.class);
		Object answer = Proxy.newProxyInstance(classLoader,
				new Class<?>[] { classLoader.loadClass(LlmUsage.class.getName()) },
				(proxy, method, arguments) -> switch (method.getName()) {
					case "inputTokens" -> 7L;
					case "outputTokens" -> 3L;
					default -> 0L;
				});
		assertThat(extract.invoke(composite, answer)).isEqualTo(Optional.of(TokenUsage.of(7, 3)));
		assertThat(extract.invoke(composite, "no usage")).isEqualTo(Optional.empty());
	}

	@ParameterizedTest
	@CsvSource({ "AnthropicUsageExtractor, com.openai, org.springframework.ai",
			"OpenAiUsageExtractor, com.anthropic, org.springframework.ai",
			"SpringAiUsageExtractor, com.anthropic, com.openai" })
	void libraryExtractorNeedsOnlyItsOwnLibrary(String extractorName, String hidden, String alsoHidden)
			throws Exception {
		ClassLoader classLoader = new IsolatingClassLoader(PACKAGE, hidden, alsoHidden);
		Class<?> type = classLoader.loadClass(PACKAGE + "." + extractorName);
		Object extractor = type.getConstructor().newInstance();
		assertThat(type.getMethod("extract", Object.class).invoke(extractor, "no usage")).isEqualTo(Optional.empty());
	}

}
