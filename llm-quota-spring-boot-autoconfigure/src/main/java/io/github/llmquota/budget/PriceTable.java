package io.github.llmquota.budget;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Prices per model in one currency: the ones configured, over the built-in table where it
 * is on. Immutable.
 *
 * @param currency the currency of every price, an ISO 4217 code such as {@code USD}
 * @param prices per model name, its price
 */
public record PriceTable(String currency, Map<String, ModelPrice> prices) {

	/** Where the built-in table is, on the class path. */
	public static final String BUILT_IN_LOCATION = "META-INF/llm-quota/prices.properties";

	/**
	 * Create a table, copying the map.
	 */
	public PriceTable {
		prices = Map.copyOf(prices);
	}

	/**
	 * Return the price of a model.
	 * @param model the model name
	 * @return the price, or {@code null} when the table has none
	 */
	public ModelPrice of(String model) {
		return this.prices.get(model);
	}

	/**
	 * Read the built-in table: list prices in USD, as of the date the file states.
	 * @return the table
	 * @throws UncheckedIOException if the file cannot be read
	 */
	public static PriceTable builtIn() {
		Properties file = new Properties();
		try (InputStream in = PriceTable.class.getClassLoader().getResourceAsStream(BUILT_IN_LOCATION)) {
			if (in == null) {
				throw new IOException("not on the class path");
			}
			file.load(in);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot read llm-quota's price table " + BUILT_IN_LOCATION, ex);
		}
		Map<String, ModelPrice> prices = new LinkedHashMap<>();
		for (String name : file.stringPropertyNames()) {
			if (name.endsWith(".input")) {
				String model = name.substring(0, name.length() - ".input".length());
				prices.put(model, new ModelPrice(price(file, model, "input"), price(file, model, "output"),
						price(file, model, "cache-write"), price(file, model, "cache-read")));
			}
		}
		return new PriceTable(file.getProperty("currency"), prices);
	}

	private static BigDecimal price(Properties file, String model, String kind) {
		return new BigDecimal(file.getProperty(model + "." + kind));
	}

}
