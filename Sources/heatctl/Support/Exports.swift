// The FHE toolbox and benchmarks moved from HeatFHE to HeatFHETools (issue 25, item 6). Commands
// written when they lived in HeatFHE import only HeatFHE; re-exporting HeatFHETools here keeps
// them compiling. New code imports HeatFHETools explicitly.
@_exported import HeatFHETools
