/// HeatML: models and metrics for CustomerHeat, with no knowledge of encryption.
public enum HeatML {}
