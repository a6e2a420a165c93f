// A self-contained reference page: it renders /openapi.json in the browser with no external assets,
// so it works offline and under a strict CSP.
export const docsPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Connections API reference</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d2330;background:#f7f8fa}
header{background:#1d2330;color:#fff;padding:18px 28px}header h1{margin:0;font-size:22px}
main{max-width:1000px;margin:0 auto;padding:20px}
section.tag>h2{border-bottom:2px solid #dde1e8;padding-bottom:4px}
details.op{background:#fff;border:1px solid #dde1e8;border-radius:6px;margin:8px 0}
details.op summary{cursor:pointer;padding:10px 14px;display:flex;gap:12px;align-items:center}
.m{font:600 12px monospace;padding:3px 8px;border-radius:4px;color:#fff;min-width:56px;text-align:center}
.get{background:#2f7ad8}.post{background:#2a9d5b}.put{background:#c98a16}.delete{background:#c8423b}.patch{background:#7a4fc4}
.p{font-family:monospace}.body{padding:4px 16px 14px}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #eef0f4;padding:4px 8px;text-align:left;vertical-align:top;font-size:14px}
pre{background:#f1f3f6;padding:8px;overflow:auto;font-size:12px}
.try input,.try textarea{font:13px monospace;width:100%;box-sizing:border-box;margin:2px 0}
.try button{margin-top:6px;padding:6px 14px}#auth{width:min(640px,90%);font:13px monospace}
</style></head><body>
<header><h1>Connections API</h1><div id="desc"></div>
<label>Bearer token for "Try it": <input id="auth" placeholder="cak_... or a JWT" autocomplete="off"></label></header>
<main id="root"><p>Loading /openapi.json ...</p></main>
<script>
const esc=(s)=>String(s??"").replace(/[&<>"]/g,(c)=>({"&":"&amp;","<":"&lt;",">":"&gt;","\\"":"&quot;"}[c]));
function ref(doc,s){while(s&&s.$ref){s=doc.components.schemas[s.$ref.split("/").pop()];}return s||{};}
function shape(doc,s,depth){s=ref(doc,s);if(depth>3)return "...";
 if(s.type==="object"||s.properties){const req=new Set(s.required||[]);return "{ "+Object.entries(s.properties||{}).map(([k,v])=>k+(req.has(k)?"":"?")+": "+shape(doc,v,depth+1)).join(", ")+" }";}
 if(s.type==="array")return shape(doc,s.items,depth+1)+"[]";
 if(s.enum)return s.enum.map((e)=>JSON.stringify(e)).join(" | ");
 if(s.anyOf||s.oneOf)return (s.anyOf||s.oneOf).map((x)=>shape(doc,x,depth+1)).join(" | ");
 return Array.isArray(s.type)?s.type.join(" | "):(s.type||"any");}
fetch("/openapi.json").then((r)=>r.json()).then((doc)=>{
 document.getElementById("desc").textContent=doc.info.description||"";
 const byTag={};
 for(const [path,item] of Object.entries(doc.paths))for(const [method,op] of Object.entries(item)){
  const tag=(op.tags&&op.tags[0])||"Other";(byTag[tag]=byTag[tag]||[]).push({path,method,op});}
 let html="";
 for(const [tag,ops] of Object.entries(byTag)){
  html+='<section class="tag"><h2>'+esc(tag)+'</h2>';
  for(const {path,method,op} of ops){
   html+='<details class="op" data-path="'+esc(path)+'" data-method="'+method+'"><summary><span class="m '+method+'">'+method.toUpperCase()+'</span><span class="p">'+esc(path)+'</span><span>'+esc(op.summary)+'</span></summary><div class="body">';
   if(op.parameters&&op.parameters.length){html+='<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>schema</th><th>description</th></tr>';
    for(const p of op.parameters)html+='<tr><td>'+esc(p.name)+(p.required?" *":"")+'</td><td>'+esc(p.in)+'</td><td>'+esc(shape(doc,p.schema,0))+'</td><td>'+esc(p.description||(p.schema&&p.schema.description))+'</td></tr>';html+='</table>';}
   const body=op.requestBody&&op.requestBody.content&&op.requestBody.content["application/json"];
   if(body)html+='<h4>Request body</h4><pre>'+esc(shape(doc,body.schema,0))+'</pre>';
   html+='<h4>Responses</h4><table>';
   for(const [code,r] of Object.entries(op.responses||{})){const ct=r.content&&Object.values(r.content)[0];html+='<tr><td>'+code+'</td><td>'+esc(r.description)+'</td><td><code>'+esc(ct?shape(doc,ct.schema,0):"")+'</code></td></tr>';}
   html+='</table>';
   const ps=(op.parameters||[]).filter((p)=>p.in==="path"||p.in==="query");
   html+='<form class="try"><h4>Try it</h4>'+ps.map((p)=>'<label>'+esc(p.name)+' ('+p.in+')<input name="'+esc(p.in+":"+p.name)+'"></label>').join("")+(body?'<label>JSON body<textarea name="body" rows="5">'+esc(JSON.stringify(body.schema&&ref(doc,body.schema).example||{},null,2))+'</textarea></label>':"")+'<button>Send</button><pre class="out" hidden></pre></form>';
   html+='</div></details>';}
  html+='</section>';}
 document.getElementById("root").innerHTML=html;
 for(const form of document.querySelectorAll("form.try"))form.addEventListener("submit",async(ev)=>{ev.preventDefault();
  const d=form.closest("details.op");let path=d.dataset.path;const q=new URLSearchParams();const fd=new FormData(form);
  for(const [k,v] of fd.entries()){if(k==="body"||v==="")continue;const [where,name]=k.split(":");if(where==="path")path=path.replace("{"+name+"}",encodeURIComponent(v));else q.append(name,v);}
  const headers={};const tok=document.getElementById("auth").value.trim();if(tok)headers.authorization="Bearer "+tok;
  const init={method:d.dataset.method.toUpperCase(),headers};if(fd.get("body")){headers["content-type"]="application/json";init.body=fd.get("body");}
  const out=form.querySelector(".out");out.hidden=false;out.textContent="...";
  try{const r=await fetch(path+(q.size?"?"+q:""),init);out.textContent=r.status+" "+r.statusText+"\\n"+await r.text();}catch(e){out.textContent=String(e);}});
 document.body.dataset.ready="true";
}).catch((e)=>{document.getElementById("root").textContent="Could not load /openapi.json: "+e;});
</script></body></html>`;
