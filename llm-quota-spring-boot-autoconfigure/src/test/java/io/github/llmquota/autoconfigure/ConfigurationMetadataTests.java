package io.github.llmquota.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import org.springframework.util.ClassUtils;
import org.springframework.util.StreamUtils;

import io.github.llmquota.core.Provider;
import io.github.llmquota.failover.FailMode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests that the configuration metadata an IDE shows covers every property a user can
 * set. The metadata is the file the build generated into {@code target/classes}, so a
 * field added without a description, or a hand-written entry that names no property,
 * fails here.
 */
class ConfigurationMetadataTests {

	@Test
	void everyPropertyAUserCanSetHasADescriptionInTheIdeHelp() throws Exception {
		assertThat(coverage().undocumented()).isEmpty();
	}

	@Test
	void mapValuedAndListValuedPropertiesAreCheckedEntryByEntry() {
		Set<String> accepted = ConfigurationMetadataCoverage.acceptedProperties("llm.quota", LlmQuotaProperties.class);
		assertThat(accepted).contains("llm.quota.models.*.provider", "llm.quota.models.*.max-concurrency",
				"llm.quota.user-limits.*.defaults.tokens-per-minute",
				"llm.quota.user-limits.*.overrides.*.requests-per-minute", "llm.quota.priority-classes[*].max-wait",
				"llm.quota.fallback-chains", "llm.quota.redis.fail-mode",
				"llm.quota.metrics.gen-ai-token-usage.enabled");
	}

	@Test
	void theHealthIndicatorSwitchIsDocumented() throws Exception {
		assertThat(conditionProperties()).contains("management.health.llmquota.enabled", "llm.quota.enabled");
		assertThat(coverage().undocumented()).doesNotContain("management.health.llmquota.enabled");
	}

	@Test
	void theIdeHelpNamesNoPropertyTheBinderWouldIgnore() throws Exception {
		assertThat(coverage().unknown("llm.quota")).isEmpty();
		assertThat(coverage().danglingHints()).isEmpty();
	}

	@Test
	void everyProviderIsOfferedWhereAModelNamesItsProvider() throws Exception {
		assertThat(coverage().hintValues("llm.quota.models.*.provider"))
			.containsExactlyElementsOf(Arrays.stream(Provider.values()).map(Enum::name).map(this::dashed).toList());
	}

	@Test
	void everyFailModeIsOfferedForRedisOutages() throws Exception {
		assertThat(coverage().hintValues("llm.quota.redis.fail-mode"))
			.containsExactlyElementsOf(Arrays.stream(FailMode.values()).map(Enum::name).map(this::dashed).toList());
	}

	@Test
	void theDefaultPriorityClassesAreOfferedWhereverAClassIsNamed() throws Exception {
		List<String> defaults = new LlmQuotaProperties().getPriorityClasses()
			.stream()
			.map(LlmQuotaProperties.PriorityClassProperties::getName)
			.toList();
		ConfigurationMetadataCoverage coverage = coverage();
		assertThat(coverage.hintValues("llm.quota.default-priority")).containsExactlyElementsOf(defaults);
		assertThat(coverage.hintValues("llm.quota.fallback.low-priorities")).containsExactlyElementsOf(defaults);
		assertThat(coverage.hintValues("llm.quota.priority-classes[*].name")).containsExactlyElementsOf(defaults);
	}

	@Test
	void theRemovedFallbackCriticalThresholdIsAnErrorInTheIdeHelpNamingItsReplacement() throws Exception {
		assertThat(accepted()).doesNotContain("llm.quota.fallback.critical-threshold");
		assertThat(coverage().removed()).containsEntry("llm.quota.fallback.critical-threshold",
				"llm.quota.pressure.max-queue-drain");
	}

	// The checks above pass on the real metadata; these show that each can fail.

	@Test
	void aPropertyWhoseDescriptionIsRemovedIsReported() throws Exception {
		JsonNode metadata = ConfigurationMetadataCoverage.generatedMetadata().deepCopy();
		for (JsonNode property : metadata.path("properties")) {
			if ("llm.quota.models.*.max-concurrency".equals(property.path("name").asText())) {
				((ObjectNode) property).remove("description");
			}
		}
		assertThat(new ConfigurationMetadataCoverage(accepted(), metadata).undocumented())
			.containsExactly("llm.quota.models.*.max-concurrency");
	}

	@Test
	void aPropertyMissingFromTheMetadataIsReported() throws Exception {
		Set<String> accepted = new TreeSet<>(accepted());
		accepted.addAll(ConfigurationMetadataCoverage.acceptedProperties("llm.quota.extra", Undocumented.class));
		assertThat(new ConfigurationMetadataCoverage(accepted, ConfigurationMetadataCoverage.generatedMetadata())
			.undocumented()).containsExactly("llm.quota.extra.limits", "llm.quota.extra.limits.*.burst");
	}

	@Test
	void aMisspelledHandWrittenEntryIsReported() throws Exception {
		JsonNode metadata = ConfigurationMetadataCoverage.generatedMetadata().deepCopy();
		((ObjectNode) metadata.path("properties").get(0)).put("name", "llm.quota.models.*.max-concurency");
		assertThat(new ConfigurationMetadataCoverage(accepted(), metadata).unknown("llm.quota"))
			.containsExactly("llm.quota.models.*.max-concurency");
	}

	@Test
	void aRemovedPropertyDeprecatedOnlyAsAWarningIsReported() throws Exception {
		JsonNode metadata = ConfigurationMetadataCoverage.generatedMetadata().deepCopy();
		for (JsonNode property : metadata.path("properties")) {
			if ("llm.quota.fallback.critical-threshold".equals(property.path("name").asText())) {
				((ObjectNode) property.path("deprecation")).put("level", "warning");
			}
		}
		assertThat(new ConfigurationMetadataCoverage(accepted(), metadata).unknown("llm.quota"))
			.containsExactly("llm.quota.fallback.critical-threshold");
	}

	private ConfigurationMetadataCoverage coverage() throws IOException, ClassNotFoundException {
		return new ConfigurationMetadataCoverage(accepted(), ConfigurationMetadataCoverage.generatedMetadata());
	}

	private Set<String> accepted() throws IOException, ClassNotFoundException {
		Set<String> accepted = ConfigurationMetadataCoverage.acceptedProperties("llm.quota", LlmQuotaProperties.class);
		accepted.addAll(conditionProperties());
		return accepted;
	}

	private Set<String> conditionProperties() throws IOException, ClassNotFoundException {
		String imports;
		try (InputStream in = getClass().getClassLoader()
			.getResourceAsStream("META-INF/spring/org.springframework.boot.autoconfigure.AutoConfiguration.imports")) {
			imports = StreamUtils.copyToString(in, StandardCharsets.UTF_8);
		}
		List<Class<?>> configurations = new ArrayList<>();
		for (String name : imports.strip().split("\\s+")) {
			configurations.add(ClassUtils.forName(name, getClass().getClassLoader()));
		}
		return ConfigurationMetadataCoverage.conditionProperties(configurations);
	}

	private String dashed(String enumName) {
		return enumName.toLowerCase(Locale.ROOT).replace('_', '-');
	}

	/**
	 * A nested type whose map values carry a field no metadata describes.
	 */
	static class Undocumented {

		private Map<String, Limit> limits = new LinkedHashMap<>();

		public Map<String, Limit> getLimits() {
			return this.limits;
		}

		public void setLimits(Map<String, Limit> limits) {
			this.limits = limits;
		}

		static class Limit {

			private int burst;

			public int getBurst() {
				return this.burst;
			}

			public void setBurst(int burst) {
				this.burst = burst;
			}

		}

	}

}
