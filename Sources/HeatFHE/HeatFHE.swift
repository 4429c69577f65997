/// HeatFHE: pure-Swift lattice cryptography (BFV) for CustomerHeat.
public enum HeatFHE {}
